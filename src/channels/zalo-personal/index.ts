import type { AttachmentSource as ZcaAttachmentSource } from 'zca-js';
import type { OutboundMessage, SendResult } from '../../core/domain/types.ts';
import { ChannelError, SendDeferredError } from '../../core/errors.ts';
import { t } from '../../core/i18n/index.ts';
import { defineChannel, type ChannelAdapter, type ChannelContext } from '../channel-adapter.ts';
import { fetchCapped } from '../shared/fetch-capped.ts';
import { createOwnSends, type SentPart } from '../shared/own-sends.ts';
import { splitText } from '../shared/split-text.ts';
import { classifyZcaError, createZcaClient, zaloPersonalError } from './api-client.ts';
import { resolveZaloPersonalSettings, zaloPersonalSettings, type ZaloPersonalSettingsInput } from './config.ts';
import { createConnection, threadTypes } from './connection.ts';
import { normalizePersonalMessage } from './inbound.ts';
import { createSendLimiter } from './send-limits.ts';
import { createSessionStore } from './session-store.ts';
import { createQrSignIn } from './sign-in.ts';
import { SessionRejectedError, type MessageContent, type ZaloPersonalClient } from './types.ts';

/** How people read this channel: agents' screens and reports take it from here (GET /api/v1/channels). */
const display = { names: { vi: 'Zalo cá nhân', en: 'Zalo personal' }, icon: 'z', color: '#77a9ff' };

type AttachmentSource = Exclude<ZcaAttachmentSource, string>;

export interface ZaloPersonalDeps {
  /** zca-js, or the tests' stand-in for it. */
  client?: ZaloPersonalClient;
  now?: () => number;
}

/** Gives a downloaded file the `name.ext` zca-js requires. */
function fileName(name: string | undefined, url: string, kind: 'image' | 'file', mimeType: string | null): `${string}.${string}` {
  const base = (name || decodeURIComponent(new URL(url).pathname.split('/').pop() || '') || kind).replace(/[\\/]/g, '_');
  if (/\.[A-Za-z0-9]{1,8}$/.test(base)) return base as `${string}.${string}`;
  const ext = mimeType?.split('/')[1]?.split(/[;+]/)[0] || (kind === 'image' ? 'jpg' : 'bin');
  return `${base}.${ext}`;
}

export function createZaloPersonalAdapter(context: ChannelContext<ZaloPersonalSettingsInput>, deps: ZaloPersonalDeps = {}): ChannelAdapter {
  const settings = resolveZaloPersonalSettings(context.inbox.key, context.settings, context.config.channelEnv);
  const locale = context.config.file.deployment.locale;
  const { logger, state, inbox } = context;
  const client = deps.client ?? createZcaClient();
  const groups = new Map(settings.groups.map((group) => [group.id, group.name]));
  const sessions = createSessionStore(state, settings.sessionKey, inbox.key);
  const limiter = createSendLimiter(state, settings.sendLimits, deps.now);
  const fail = (failure: Parameters<typeof zaloPersonalError>[0]) => zaloPersonalError(failure, locale);
  const ownSends = createOwnSends();
  const clock = new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { timeStyle: 'medium', timeZone: context.config.file.deployment.timezone });

  const connection = createConnection({
    client,
    sessions,
    state,
    logger,
    locale,
    reconnect: settings.reconnect,
    refusalsBeforeSignedOut: settings.refusalsBeforeSignedOut,
    leaseMs: settings.listenerLeaseMs,
    followGroups: groups.size > 0,
    setStatus: context.setStatus,
    ...(deps.now ? { now: deps.now } : {}),
    async onMessage(message) {
      const normalized = normalizePersonalMessage(message, inbox.id, groups);
      if (normalized.kind === 'ignored') {
        logger.debug({ reason: normalized.reason }, 'Zalo personal message not taken in');
        return;
      }
      const { message: normalizedMessage, part } = normalized;
      // The echo of a gateway send is stored already (by its msgId, or about to be): dropped here.
      if (normalizedMessage.echo && ownSends.isOwn({ id: normalizedMessage.externalMessageId, recipient: normalizedMessage.sender.externalUserId, part })) {
        context.metrics.messagesIngested.inc({ channel: 'zalo-personal', result: 'own_echo' });
        return;
      }
      const [result] = await context.ingest([normalizedMessage]);
      context.metrics.messagesIngested.inc({ channel: 'zalo-personal', result: result!.duplicate ? 'duplicate' : 'stored' });
    },
  });
  const signIn = createQrSignIn({ client, connection, state, logger, ...(deps.now ? { now: deps.now } : {}) });

  async function download(url: string, kind: 'image' | 'file', name: string | undefined, signal: AbortSignal): Promise<AttachmentSource> {
    const { data, contentType } = await fetchCapped(url, settings.maxAttachmentBytes, signal, (failure) => fail({ kind: 'attachment', ...failure }));
    return { data, filename: fileName(name, url, kind, contentType), metadata: { totalSize: data.length } };
  }

  return {
    signIn,

    async send(message: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const recipient = message.recipientExternalId;
      const isGroup = recipient.startsWith('group:');
      const threadId = isGroup ? recipient.slice('group:'.length) : recipient;
      if (isGroup && !groups.has(threadId)) throw fail({ kind: 'unsupported', detail: 'group not configured' });
      const texts = message.text ? splitText(message.text, settings.maxTextLength) : [];
      for (const attachment of message.attachments) {
        if (!((attachment.kind === 'image' || attachment.kind === 'file') && attachment.url)) {
          throw fail({ kind: 'unsupported', detail: `attachment ${attachment.kind}${attachment.url ? '' : ' without url'}` });
        }
      }
      const parts = Math.max(1, texts.length) + message.attachments.length;
      if (texts.length === 0 && message.attachments.length === 0) throw fail({ kind: 'unsupported', detail: 'empty message' });

      const slot = await limiter.reserve(recipient, parts);
      if (!slot.ok) {
        const limit = slot.limit === 'citizen' ? settings.sendLimits.perCitizen : settings.sendLimits.perAccount;
        throw new SendDeferredError(
          'zalo-personal',
          t(locale, slot.limit === 'citizen' ? 'zaloPersonal.limit.citizen' : 'zaloPersonal.limit.account', { max: limit.max, minutes: Math.round(limit.windowSeconds / 60) || 1, at: clock.format(slot.at) }),
          slot.at,
        );
      }

      let session;
      try {
        session = await connection.session();
      } catch (error) {
        if (error instanceof SessionRejectedError) throw fail({ kind: 'signed_out', detail: error.message });
        throw fail({ kind: 'network', cause: error });
      }
      const attachments: AttachmentSource[] = [];
      for (const attachment of message.attachments) attachments.push(await download(attachment.url!, attachment.kind as 'image' | 'file', attachment.name, signal));
      if (signal.aborted) throw fail({ kind: 'network', cause: signal.reason });

      const type = isGroup ? threadTypes.group : threadTypes.user;
      const ids: string[] = [];
      // What the echoes will look like, in case one arrives before sendMessage answers.
      const expected: SentPart[] = [
        ...message.attachments.map((a): SentPart => ({ kind: a.kind === 'image' ? 'image' : 'file' })),
        ...texts.map((text): SentPart => ({ kind: 'text', text })),
      ];
      const guard = ownSends.begin(recipient, expected);
      try {
        // The attachments go with the last part (zca-js sends them first, then its text).
        for (let i = 0; i < Math.max(1, texts.length); i++) {
          const last = i === Math.max(1, texts.length) - 1;
          const content: MessageContent = { msg: texts[i] ?? '', ...(last && attachments.length ? { attachments } : {}) };
          const sent = await session.sendMessage(content, threadId, type);
          for (const id of [...sent.attachment.map((a) => a.msgId), ...(sent.message ? [sent.message.msgId] : [])]) {
            ids.push(String(id));
            ownSends.sent(String(id));
          }
        }
      } catch (error) {
        if (error instanceof ChannelError) throw error;
        // zca-js imports lazily: its error class is recognized by name here.
        const failure = classifyZcaError(error, ZcaErrorByName);
        throw fail(failure);
      } finally {
        guard.done();
      }
      if (!ids.length) throw fail({ kind: 'network', cause: new Error('Zalo answered without a message id') });
      return { externalId: ids[0]! };
    },

    async start() {
      // In the background: signing in to Zalo must not hold up the gateway's start.
      void connection.start().catch((error: unknown) => logger.error({ err: error }, 'Zalo personal start failed'));
    },

    async close() {
      await signIn.close();
      await connection.close();
    },
  };
}

/** Matches zca-js's ZaloApiError (and its subclasses) without importing the package at boot. */
const ZcaErrorByName = class {
  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Error && (/^Zca/.test(value.name) || /^ZaloApi/.test(value.constructor.name));
  }
} as unknown as abstract new (...args: never[]) => Error;

/**
 * A personal Zalo account driven through zca-js, an unofficial client: for communes that answer
 * citizens from an ordinary account. Zalo may block an account that sends too much, so it is for
 * low volume and the Official Account is preferred. Off unless config/default.yaml lists an inbox
 * of this channel; the admin signs in by scanning a QR code on the admin screen.
 */
export default defineChannel({
  name: 'zalo-personal',
  display,
  settingsSchema: zaloPersonalSettings,
  defaultInboxName: display.names.vi,
  envVariables: ['ZALO_PERSONAL_SESSION_KEY'],
  create: (context) => createZaloPersonalAdapter(context),
});

