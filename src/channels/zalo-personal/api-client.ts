import type { API } from 'zca-js';
import { ChannelError, type ChannelErrorKind } from '../../core/errors.ts';
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import { describeCause } from '../shared/describe-cause.ts';
import { SessionRejectedError, type ZaloPersonalClient, type ZaloPersonalListenerEvents, type ZaloPersonalSession } from './types.ts';

const channel = 'zalo-personal';

/** What went wrong, before it becomes a ChannelError. */
export type PersonalFailure =
  | { kind: 'signed_out'; detail: string }
  | { kind: 'network'; cause: unknown }
  | { kind: 'refused'; detail: string; code?: number | null }
  | { kind: 'attachment'; detail: string; retryable: boolean }
  | { kind: 'unsupported'; detail: string };

/**
 * The one place this channel's failures become ChannelErrors: whether the outbox retries, and the
 * reason the agent reads on a failed message.
 */
export function zaloPersonalError(failure: PersonalFailure, locale: Locale): ChannelError {
  const make = (kind: ChannelErrorKind, key: MessageKey, detail: string, retryable: boolean, code?: number | null) =>
    new ChannelError(channel, kind, t(locale, key, { detail }), retryable, code ?? undefined);
  switch (failure.kind) {
    case 'signed_out':
      return make('auth_failed', 'zaloPersonal.error.signedOut', failure.detail, false);
    case 'network':
      return make('network', 'zaloPersonal.error.unavailable', describeCause(failure.cause), true);
    case 'refused':
      return make('rejected', 'zaloPersonal.error.refused', failure.detail, false, failure.code);
    case 'attachment':
      return make(failure.retryable ? 'network' : 'invalid', 'zaloPersonal.error.attachment', failure.detail, failure.retryable);
    case 'unsupported':
      return make('unsupported', 'zaloPersonal.error.unsupported', failure.detail, false);
  }
}

/**
 * Classifies what a zca-js call threw: its own ZaloApiError is Zalo's refusal (with Zalo's code
 * when it gave one); anything else (fetch failed, a timeout) is the network.
 */
export function classifyZcaError(error: unknown, zaloApiError: abstract new (...args: never[]) => Error): PersonalFailure {
  if (error instanceof zaloApiError) {
    const code = (error as Error & { code?: number | null }).code ?? null;
    return { kind: 'refused', detail: `${error.message}${code !== null ? ` (${code})` : ''}`, code };
  }
  return { kind: 'network', cause: error };
}

/**
 * Compile-time only: zca-js's listener takes each handler typed as types.ts declares it, so a
 * change of its events' arguments fails the typecheck here.
 */
export function assertListenerEvents(listener: API['listener'], handlers: { [E in keyof ZaloPersonalListenerEvents]: (...args: ZaloPersonalListenerEvents[E]) => void }): void {
  listener.on('connected', handlers.connected);
  listener.on('closed', handlers.closed);
  listener.on('error', handlers.error);
  listener.on('message', handlers.message);
  listener.on('old_messages', handlers.old_messages);
}

/** The session the channel sees of zca-js's API object. */
function sessionOf(api: API): ZaloPersonalSession {
  const { listener } = api;
  return {
    ownId: api.getOwnId(),
    // Node's typed EventEmitter declares `on` with a conditional type no interface can restate;
    // the event map itself is zca-js's (types.ts), so the shapes stay checked.
    listener: {
      on: (event, handler) => listener.on(event, handler as never),
      off: (event, handler) => listener.off(event, handler as never),
      start: (options) => listener.start(options),
      stop: () => listener.stop(),
      requestOldMessages: (threadType, lastMsgId) => listener.requestOldMessages(threadType, lastMsgId),
    },
    sendMessage: (message, threadId, type) => api.sendMessage(message, threadId, type),
  };
}

/**
 * The real client: zca-js, loaded when an inbox of this kind starts (not at boot, so a gateway
 * without a personal account never loads it). No update check (it would call npm at each
 * sign-in), and no logging of its own (it would print the account's ids). The account's own
 * messages are followed (`selfListen`): what the officer types on the phone joins the
 * conversation, and the echoes of the gateway's own sends are recognized and dropped.
 */
export function createZcaClient(): ZaloPersonalClient {
  const load = async () => {
    const zca = await import('zca-js');
    return { zca, zalo: new zca.Zalo({ selfListen: true, checkUpdate: false, logging: false }) };
  };
  let loaded: ReturnType<typeof load> | undefined;
  return {
    async login(credentials) {
      const { zca, zalo } = await (loaded ??= load());
      try {
        return sessionOf(await zalo.login(credentials));
      } catch (error) {
        const failure = classifyZcaError(error, zca.ZaloApiError);
        if (failure.kind === 'refused') throw new SessionRejectedError(failure.detail);
        throw error;
      }
    },
    async loginQR(onEvent, signal) {
      const { zalo } = await (loaded ??= load());
      let abort: (() => unknown) | undefined;
      const onAbort = () => abort?.();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const api = await zalo.loginQR({}, (event) => {
          if (event.actions && 'abort' in event.actions) abort = event.actions.abort;
          if (signal.aborted) abort?.();
          onEvent(event);
        });
        return sessionOf(api);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
