import type { OutboundMessage, QuickReply, SendResult } from '../../core/domain/types.ts';
import { ChannelError } from '../../core/errors.ts';
import { defineChannel, type ChannelAdapter, type ChannelContext, type InboxStatus } from '../channel-adapter.ts';
import { createGraphClient, messengerError } from './api-client.ts';
import { messengerEnvVariables, messengerSettings, messengerSettingsFromEnv, resolveMessengerSettings, type MessengerSettingsInput } from './config.ts';
import { createOwnSends, type SentPart } from '../shared/own-sends.ts';
import { createProfileCache } from '../shared/profiles.ts';
import type { MessengerSendBody } from './types.ts';
import { registerMessengerWebhook } from './webhook.ts';
import { quickRepliesOf } from '../shared/quick-replies.ts';
import { splitText } from '../shared/split-text.ts';
import { loadStoredFile, refusalOf, storedFileOf, type StoredFile } from '../shared/stored-files.ts';
import { messengerReplyWindow } from './window.ts';

type MediaType = 'image' | 'file' | 'audio' | 'video';
type OutPart =
  | { kind: 'text'; text: string; quickReplies?: QuickReply[] }
  | { kind: MediaType; url: string }
  | { kind: 'stored'; as: MediaType; file: StoredFile };

/** Messenger takes assets up to 25 MB (saving-assets documentation); any type goes as a file. */
const messengerMaxBytes = 25 * 1024 * 1024;
const messengerImageTypes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Parts already delivered per gateway message, so a retry does not send them twice. */
const progressLimit = 1000;

function createMessengerAdapter(context: ChannelContext<MessengerSettingsInput>): ChannelAdapter {
  const settings = resolveMessengerSettings(context.inbox.key, context.settings, context.config.channelEnv);
  const locale = context.config.file.deployment.locale;
  const { logger, state } = context;
  const client = createGraphClient({ ...settings, locale });
  const ownSends = createOwnSends();
  const background = new AbortController();
  const progress = new Map<number, string[]>();
  let appId = settings.appId;
  let starting: Promise<void> | undefined;
  let reported: { status: InboxStatus; detail?: string } | undefined;

  /** Tells admins about a change of the connection, once (every report emits an event). */
  async function report(status: InboxStatus, detail?: string): Promise<void> {
    if (reported?.status === status && (status === 'active' || reported.detail === detail)) return;
    reported = { status, ...(detail !== undefined ? { detail } : {}) };
    await context.setStatus(status, detail);
  }

  /** A page token Facebook refuses (expired, revoked, password changed) needs an admin. */
  async function watchToken<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      if (error instanceof ChannelError && error.kind === 'auth_failed') await report('needs_reconnect', error.message);
      throw error;
    }
  }

  const profiles = createProfileCache({
    state,
    logger,
    async fetchProfile(psid, signal) {
      const profile = await watchToken(client.getProfile(psid, signal));
      const displayName = [profile.first_name, profile.last_name].filter(Boolean).join(' ');
      return { ...(displayName ? { displayName } : {}), ...(profile.profile_pic ? { avatarUrl: profile.profile_pic } : {}) };
    },
    isPermanent: (error) => !(error instanceof ChannelError && (error.retryable || error.kind === 'auth_failed')),
  });

  function partsOf(message: OutboundMessage): OutPart[] {
    const parts: OutPart[] = message.text ? splitText(message.text, settings.maxTextLength).map((text) => ({ kind: 'text' as const, text })) : [];
    for (const attachment of message.attachments) {
      const kind = attachment.kind;
      const stored = storedFileOf(attachment);
      if (stored) {
        const as: MediaType = messengerImageTypes.has(stored.mimeType) ? 'image' : stored.mimeType.startsWith('audio/') ? 'audio' : stored.mimeType.startsWith('video/') ? 'video' : 'file';
        const refused = refusalOf(stored, { types: new Set([stored.mimeType]), maxBytes: messengerMaxBytes }, 'messenger', 'Facebook Messenger', locale);
        if (refused) throw refused;
        parts.push({ kind: 'stored', as, file: stored });
        continue;
      }
      if ((kind === 'image' || kind === 'file' || kind === 'audio' || kind === 'video') && attachment.url) parts.push({ kind, url: attachment.url });
      else throw messengerError({ kind: 'unsupported', detail: `attachment ${kind}${attachment.url ? '' : ' without url'}` }, locale);
    }
    if (parts.length === 0) throw messengerError({ kind: 'unsupported', detail: 'empty message' }, locale);
    const choices = quickRepliesOf(message);
    const lastText = parts.findLast((part) => part.kind === 'text');
    if (choices.length && lastText?.kind === 'text') lastText.quickReplies = choices;
    return parts;
  }

  function bodyOf(psid: string, part: Exclude<OutPart, { kind: 'stored' }> | { kind: 'uploaded'; as: MediaType; attachmentId: string }, tag: unknown): MessengerSendBody {
    // The window put the tag there when the reply was queued after the standard 24 h.
    const type = tag === 'HUMAN_AGENT' ? { messaging_type: 'MESSAGE_TAG' as const, tag: 'HUMAN_AGENT' as const } : { messaging_type: 'RESPONSE' as const };
    const message: MessengerSendBody['message'] =
      part.kind === 'text'
        ? { text: part.text, ...(part.quickReplies?.length ? { quick_replies: part.quickReplies.map((q) => ({ content_type: 'text' as const, title: q.title.slice(0, 20), payload: q.payload })) } : {}) }
        : part.kind === 'uploaded'
          ? { attachment: { type: part.as, payload: { attachment_id: part.attachmentId } } }
          : { attachment: { type: part.kind, payload: { url: part.url, is_reusable: true } } };
    return { recipient: { id: psid }, ...type, message };
  }

  async function verifyConnection(): Promise<void> {
    try {
      const page = await watchToken(client.getMe(background.signal));
      if (page.id !== settings.pageId) {
        await report('needs_reconnect', `FB_PAGE_ACCESS_TOKEN belongs to page ${page.id}, not ${settings.pageId}`);
        return;
      }
      logger.info({ pageId: page.id, name: page.name }, 'Facebook page connected');
      await report('active');
      if (!appId) appId = (await client.getApp(background.signal)).id;
    } catch (error) {
      if (background.signal.aborted) return;
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Facebook page could not be checked');
    }
  }

  return {
    async routes(app) {
      await registerMessengerWebhook(app, {
        path: context.isDefault ? '/webhooks/facebook' : `/webhooks/facebook/${context.inbox.key}`,
        inboxId: context.inbox.id,
        pageId: settings.pageId,
        appSecret: settings.appSecret,
        verifyToken: settings.verifyToken,
        appId: () => appId,
        ingest: context.ingest,
        markDelivery: context.markDelivery,
        markDeliveryUpTo: context.markDeliveryUpTo,
        metrics: context.metrics,
        logger,
        ownSends,
        profiles,
        keepUnusable: context.keepUnusable,
      });
    },

    async send(message: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const psid = message.recipientExternalId;
      const parts = partsOf(message);
      const tag = (message.metadata?.window as { tag?: unknown } | undefined)?.tag;
      const done = progress.get(message.messageId) ?? [];
      const guard = ownSends.begin(
        psid,
        parts.slice(done.length).map((part): SentPart => (part.kind === 'text' ? part : { kind: part.kind === 'image' || (part.kind === 'stored' && part.as === 'image') ? 'image' : 'file' })),
      );
      try {
        for (let i = done.length; i < parts.length; i++) {
          const part = parts[i]!;
          // A file the gateway holds is uploaded first (the platform cannot fetch our inbox's links).
          const ready =
            part.kind === 'stored'
              ? { kind: 'uploaded' as const, as: part.as, attachmentId: await watchToken(client.uploadAttachment(part.as, await loadStoredFile(context.files, part.file, 'messenger', locale), part.file.name, signal)) }
              : part;
          const sent = await watchToken(client.sendMessage(bodyOf(psid, ready, tag), signal));
          ownSends.sent(sent.message_id);
          done.push(sent.message_id);
          progress.delete(message.messageId);
          progress.set(message.messageId, done);
          if (progress.size > progressLimit) progress.delete(progress.keys().next().value!);
        }
      } catch (error) {
        if (!(error instanceof ChannelError && error.retryable)) progress.delete(message.messageId);
        throw error;
      } finally {
        guard.done();
      }
      progress.delete(message.messageId);
      // A send that works proves the token again (after an admin fixed it, for instance).
      if (reported?.status === 'needs_reconnect') await report('active');
      return { externalId: done[0]! };
    },

    replyWindow: (windowState) => messengerReplyWindow(windowState, settings, locale),

    async start() {
      // In the background: the gateway serves webhooks even while Facebook is slow to answer.
      starting = verifyConnection().catch((error: unknown) => logger.error({ err: error }, 'Messenger start failed'));
    },

    async close() {
      background.abort();
      await starting;
      await profiles.close();
    },
  };
}

/**
 * Facebook Messenger for a page: signed webhook batches in, Send API out, within the 24 h window
 * (7 days with the HUMAN_AGENT tag when the page has that permission).
 */
export default defineChannel({
  name: 'messenger',
  display: { names: { vi: 'Messenger', en: 'Messenger' }, reportNames: { vi: 'Facebook', en: 'Facebook' }, icon: 'M', color: '#b18cff' },
  settingsSchema: messengerSettings,
  settingsFromEnv: messengerSettingsFromEnv,
  defaultInboxName: 'Facebook Messenger',
  envVariables: messengerEnvVariables,
  create: createMessengerAdapter,
});
