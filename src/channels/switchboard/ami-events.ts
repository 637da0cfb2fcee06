import type { CallEvent } from '../../core/telephony.ts';
import type { AmiMessage } from './ami-client.ts';

/** An operator's phone in a channel name: `PJSIP/101-0000002a`, `SIP/101-...`, `Local/101@from-queue-...`. */
const extensionOfChannel = (channel: string | undefined, pattern: RegExp): string | undefined => {
  const match = /^(?:PJSIP|SIP|IAX2|Local|DAHDI)\/([^-@/;]+)/i.exec(channel ?? '');
  return match && pattern.test(match[1]!) ? match[1] : undefined;
};

/**
 * Turns the AMI events of Asterisk 13+ (and FreePBX, Issabel on it) into call events. A call is
 * its `Linkedid`, the first channel's Uniqueid, shared by every leg; events of other legs only
 * add who rang or answered. The few facts kept between events (a call's direction, our own
 * Originates) are forgotten when the call's first channel hangs up.
 */
export function createAmiTranslator(options: { extensionPattern: RegExp; recordingUrl?: (linkedId: string) => string; now?: () => Date }) {
  const directionOf = new Map<string, 'in' | 'out'>();
  /** Extensions we asked to ring for a click-to-call, with the citizen's number. */
  const dialling = new Map<string, { number: string; until: number }>();
  const now = options.now ?? (() => new Date());
  const isExtension = (value: string | undefined) => Boolean(value && options.extensionPattern.test(value));

  // `timestampevents = yes` in manager.conf adds the PBX's own clock; otherwise we hear it now.
  const timeOf = (event: AmiMessage) => {
    const seconds = Number(event.Timestamp);
    return Number.isFinite(seconds) && seconds > 0 ? new Date(Math.round(seconds * 1000)) : now();
  };
  const callOf = (event: AmiMessage) => event.Linkedid ?? event.Uniqueid;

  function remember(callId: string, direction: 'in' | 'out') {
    directionOf.set(callId, direction);
    // Bounded even if Hangup events are lost (a reconnect in the middle of calls).
    if (directionOf.size > 5000) directionOf.delete(directionOf.keys().next().value!);
  }

  return {
    /** Remembers a click-to-call, so the leg Asterisk creates for it is known as outbound. */
    expectDial(extension: string, number: string, ttlMs = 120_000) {
      dialling.set(extension, { number, until: now().getTime() + ttlMs });
    },

    translate(event: AmiMessage): CallEvent[] {
      const callId = callOf(event);
      if (!callId) return [];
      const at = timeOf(event);
      const base = { callId, at };
      switch (event.Event) {
        case 'Newchannel': {
          // Only the call's first channel says who called whom; later legs are operators' phones.
          if (event.Uniqueid !== callId) return [];
          const extension = extensionOfChannel(event.Channel, options.extensionPattern);
          const pending = extension ? dialling.get(extension) : undefined;
          if (extension && pending && pending.until >= at.getTime()) {
            dialling.delete(extension);
            remember(callId, 'out');
            return [{ ...base, stage: 'ringing', direction: 'out', number: pending.number, extension }];
          }
          if (extension || isExtension(event.CallerIDNum)) {
            // An operator dialling from their desk phone.
            if (!event.Exten || isExtension(event.Exten) || event.Exten === 's') return [];
            remember(callId, 'out');
            return [{ ...base, stage: 'ringing', direction: 'out', number: event.Exten, extension: extension ?? event.CallerIDNum! }];
          }
          remember(callId, 'in');
          return [{ ...base, stage: 'ringing', direction: 'in', number: event.CallerIDNum ?? '' }];
        }
        case 'QueueCallerJoin':
          return [{ ...base, stage: 'ringing', direction: 'in', ...(event.CallerIDNum ? { number: event.CallerIDNum } : {}), ...(event.Queue ? { queue: event.Queue } : {}) }];
        case 'DialBegin':
        case 'AgentCalled': {
          const extension = extensionOfChannel(event.DestChannel ?? event.Interface, options.extensionPattern) ?? (isExtension(event.DestCallerIDNum) ? event.DestCallerIDNum : undefined);
          if (!extension || directionOf.get(callId) === 'out') return [];
          return [{ ...base, stage: 'ringing', extension }];
        }
        case 'DialEnd': {
          if (event.DialStatus !== 'ANSWER') return [];
          const extension = extensionOfChannel(event.DestChannel, options.extensionPattern);
          // Outbound, the talk starts when the citizen's leg (the trunk) answers.
          if (directionOf.get(callId) === 'out') return extension ? [] : [{ ...base, stage: 'answered', ...recording(callId) }];
          return extension ? [{ ...base, stage: 'answered', extension, ...recording(callId) }] : [];
        }
        case 'AgentConnect': {
          const extension = extensionOfChannel(event.DestChannel ?? event.Interface, options.extensionPattern) ?? (isExtension(event.MemberName) ? event.MemberName : undefined);
          const hold = Number(event.HoldTime);
          return [{ ...base, stage: 'answered', ...(extension ? { extension } : {}), ...(Number.isFinite(hold) ? { queueWaitSeconds: hold } : {}), ...(event.Queue ? { queue: event.Queue } : {}), ...recording(callId) }];
        }
        case 'QueueCallerAbandon': {
          const hold = Number(event.HoldTime);
          return [{ ...base, stage: 'abandoned', ...(Number.isFinite(hold) ? { queueWaitSeconds: hold } : {}), ...(event.Queue ? { queue: event.Queue } : {}) }];
        }
        case 'Hangup': {
          if (event.Uniqueid !== callId) return [];
          directionOf.delete(callId);
          return [{ ...base, stage: 'ended' }];
        }
        default:
          return [];
      }
    },
  };

  function recording(callId: string): { recordingUrl?: string } {
    return options.recordingUrl ? { recordingUrl: options.recordingUrl(callId) } : {};
  }
}

export type AmiTranslator = ReturnType<typeof createAmiTranslator>;
