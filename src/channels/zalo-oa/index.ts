import { normalizeVnPhone } from '../../core/domain/phone.ts';
import type { OutboundMessage, QuickReply, SendResult } from '../../core/domain/types.ts';
import { ChannelError } from '../../core/errors.ts';
import { t } from '../../core/i18n/index.ts';
import { defineChannel, type ChannelAdapter, type ChannelContext } from '../channel-adapter.ts';
import { createZaloApiClient, zaloError, zaloTokenInvalidCodes } from './api-client.ts';
import { resolveZaloSettings, zaloEnvVariables, zaloSettings, zaloSettingsFromEnv, type ZaloSettingsInput } from './config.ts';
import { createOwnSends, type SentPart } from '../shared/own-sends.ts';
import { createProfileCache } from '../shared/profiles.ts';
import { createZaloTokens } from './tokens.ts';
import type { ZaloSendBody } from './types.ts';
import { registerZaloWebhook } from './webhook.ts';
import { quickRepliesOf } from '../shared/quick-replies.ts';
import { splitText } from '../shared/split-text.ts';
import { loadStoredFile, refusalOf, storedFileOf, type PlatformFileRule, type StoredFile } from '../shared/stored-files.ts';
import { createQuotaCache } from './quota.ts';
import { createZnsTransport } from './zns.ts';

/** One platform message of an outbound gateway message. */
type OutPart =
  | { kind: 'text'; text: string; buttons?: QuickReply[] }
  /** The request-info form: Zalo shows it with a button that shares name, phone and address. */
  | { kind: 'request_info'; title: string; subtitle: string; imageUrl?: string }
  | { kind: 'image' | 'file'; url: string; name?: string }
  | { kind: 'stored'; as: 'image' | 'file'; file: StoredFile };

/**
 * What Zalo's upload endpoints take (OA API v2.0 upload/image and upload/file): JPG/PNG images up
 * to 1 MB, sent as a media template; PDF, DOC, DOCX files up to 5 MB, sent as a file message.
 */
const zaloImageRule: PlatformFileRule = { types: new Set(['image/jpeg', 'image/png']), maxBytes: 1024 * 1024 };
const zaloFileRule: PlatformFileRule = {
  types: new Set(['application/pdf', 'application/msword', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document']),
  maxBytes: 5 * 1024 * 1024,
};

/** Parts already delivered per gateway message, so a retry does not send them twice. */
const progressLimit = 1000;

const isTokenInvalid = (error: unknown): error is ChannelError =>
  error instanceof ChannelError && error.kind === 'auth_failed' && zaloTokenInvalidCodes.has(Number(error.vendorCode));

function createZaloAdapter(context: ChannelContext<ZaloSettingsInput>): ChannelAdapter {
  const settings = resolveZaloSettings(context.inbox.key, context.settings, context.config.channelEnv);
  const locale = context.config.file.deployment.locale;
  const { logger, state } = context;
  const client = createZaloApiClient({ ...settings, locale });
  const tokens = createZaloTokens({ state, client, settings, locale, logger, setStatus: context.setStatus });
  const ownSends = createOwnSends();
  const background = new AbortController();
  const progress = new Map<number, string[]>();
  let starting: Promise<void> | undefined;

  /** Runs a call with the access token; on "token invalid" refreshes once and tries again. */
  async function withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = await tokens.accessToken();
    try {
      return await call(token);
    } catch (error) {
      if (!isTokenInvalid(error)) throw error;
    }
    const fresh = await tokens.refresh((current) => current.accessToken === token);
    try {
      return await call(fresh);
    } catch (error) {
      if (isTokenInvalid(error)) await tokens.markFailed(error.message, fresh);
      throw error;
    }
  }

  const profiles = createProfileCache({
    state,
    logger,
    async fetchProfile(userId, signal) {
      const detail = await withToken((token) => client.getUserDetail(token, userId, signal));
      const phone = detail.shared_info?.phone ? normalizeVnPhone(String(detail.shared_info.phone)) : null;
      const avatarUrl = detail.avatar || detail.avatars?.['240'] || detail.avatars?.['120'];
      return {
        ...(detail.display_name ? { displayName: detail.display_name } : {}),
        ...(avatarUrl ? { avatarUrl } : {}),
        ...(phone ? { phone } : {}),
      };
    },
    isPermanent: (error) => !(error instanceof ChannelError && (error.retryable || error.kind === 'auth_failed')),
  });

  const dateFormat = new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: context.config.file.deployment.timezone });
  const quota = createQuotaCache({
    fetchQuota: (userId, signal) => withToken((token) => client.getQuota(token, userId, signal)),
    ttlMs: settings.quotaCacheSeconds * 1000,
    failureTtlMs: Math.min(settings.quotaCacheSeconds * 1000, 15_000),
    limits: settings,
    locale,
    formatDate: (date) => dateFormat.format(date),
    timeoutMs: Math.min(settings.requestTimeoutMs, 5_000),
    onError: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, "Zalo's quota could not be read; the fixed rule applies"),
  });

  /** The request-info form as the agent's message records it (its text is what the form says). */
  const requestInfoTexts = () => ({
    title: settings.requestInfo?.title ?? t(locale, 'zalo.requestInfo.title', { name: context.config.file.deployment.shortName }),
    subtitle: settings.requestInfo?.subtitle ?? t(locale, 'zalo.requestInfo.subtitle'),
  });

  function partsOf(message: OutboundMessage): OutPart[] {
    if (message.metadata?.requestContactInfo === true) {
      const { title, subtitle } = requestInfoTexts();
      return [{ kind: 'request_info', title, subtitle, ...(settings.requestInfo?.imageUrl ? { imageUrl: settings.requestInfo.imageUrl } : {}) }];
    }
    const parts: OutPart[] = message.text ? splitText(message.text, settings.maxTextLength).map((text) => ({ kind: 'text' as const, text })) : [];
    for (const attachment of message.attachments) {
      const stored = storedFileOf(attachment);
      if (stored) {
        const as = zaloImageRule.types.has(stored.mimeType) ? 'image' : 'file';
        const refused = refusalOf(stored, as === 'image' ? zaloImageRule : zaloFileRule, 'zalo-oa', 'Zalo', locale);
        if (refused) throw refused;
        parts.push({ kind: 'stored', as, file: stored });
      } else if ((attachment.kind === 'image' || attachment.kind === 'file') && attachment.url) {
        parts.push({ kind: attachment.kind, url: attachment.url, ...(attachment.name ? { name: attachment.name } : {}) });
      } else {
        throw zaloError({ kind: 'unsupported', detail: `attachment ${attachment.kind}${attachment.url ? '' : ' without url'}` }, locale);
      }
    }
    if (parts.length === 0) throw zaloError({ kind: 'unsupported', detail: 'empty message' }, locale);
    const choices = quickRepliesOf(message);
    const lastText = parts.findLast((part) => part.kind === 'text');
    if (choices.length && lastText?.kind === 'text') lastText.buttons = choices;
    return parts;
  }

  async function sendPart(userId: string, part: OutPart, signal: AbortSignal): Promise<string> {
    const recipient = { user_id: userId };
    let body: ZaloSendBody;
    if (part.kind === 'request_info') {
      const element = { title: part.title, subtitle: part.subtitle, image_url: part.imageUrl ?? '' };
      body = { recipient, message: { attachment: { type: 'template', payload: { template_type: 'request_user_info', elements: [element] } } } };
    } else if (part.kind === 'text') {
      body = part.buttons?.length
        ? { recipient, message: { text: part.text, attachment: { type: 'template', payload: { buttons: part.buttons.map((b) => ({ title: b.title, type: 'oa.query.hide' as const, payload: b.payload })) } } } }
        : { recipient, message: { text: part.text } };
    } else {
      const { file, name } =
        part.kind === 'stored' ? { file: await loadStoredFile(context.files, part.file, 'zalo-oa', locale), name: part.file.name } : await client.download(part.url, part.kind, signal);
      const filename = part.kind === 'stored' ? name : (part.name ?? name);
      if (part.kind === 'image' || (part.kind === 'stored' && part.as === 'image')) {
        const attachmentId = await withToken((token) => client.uploadImage(token, file, filename, signal));
        body = {
          recipient,
          message: { attachment: { type: 'template', payload: { template_type: 'media', elements: [{ media_type: 'image', attachment_id: attachmentId }] } } },
        };
      } else {
        const fileToken = await withToken((token) => client.uploadFile(token, file, filename, signal));
        body = { recipient, message: { attachment: { type: 'file', payload: { token: fileToken } } } };
      }
    }
    const sent = await withToken((token) => client.sendMessage(token, body, signal));
    quota.sent(userId, sent.quota);
    return String(sent.message_id);
  }

  /** Checks the token against the OA endpoint and reports the inbox connected or broken. */
  async function verifyConnection(): Promise<void> {
    try {
      const oa = await withToken((token) => client.getOa(token, background.signal));
      logger.info({ oaId: oa.oa_id, name: oa.name }, 'Zalo OA connected');
      await tokens.report('active');
    } catch (error) {
      if (background.signal.aborted) return;
      if (error instanceof ChannelError && !error.retryable) {
        logger.error({ code: error.vendorCode }, 'Zalo OA is not connected');
        await tokens.report('needs_reconnect', error.message);
      } else {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Zalo OA could not be checked; will use it anyway');
      }
    }
  }

  // ZNS takes the OA's access token: "token invalid" refreshes it once like a send does.
  const zns = createZnsTransport({ baseUrl: settings.znsBaseUrl, templates: settings.znsTemplates, requestTimeoutMs: settings.requestTimeoutMs, withToken });

  return {
    ...(settings.znsTemplates.length ? { noticeTransport: zns } : {}),

    async routes(app) {
      await registerZaloWebhook(app, {
        path: context.isDefault ? '/webhooks/zalo-oa' : `/webhooks/zalo-oa/${context.inbox.key}`,
        inboxId: context.inbox.id,
        appId: settings.appId,
        oaSecretKey: settings.oaSecretKey,
        maxAgeSeconds: settings.webhookMaxAgeSeconds,
        ingest: context.ingest,
        markDelivery: context.markDelivery,
        metrics: context.metrics,
        logger,
        ownSends,
        profiles,
        keepUnusable: context.keepUnusable,
        identities: context.identities,
        renewQuota: (userId) => quota.forget(userId),
      });
    },

    async send(message: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const userId = message.recipientExternalId;
      // Anonymous chats are answered through another API keyed by conversation, not supported.
      if (userId.startsWith('anonymous:')) throw zaloError({ kind: 'unsupported', detail: 'anonymous chat' }, locale);
      const parts = partsOf(message);
      const done = progress.get(message.messageId) ?? [];
      const guard = ownSends.begin(
        userId,
        parts.slice(done.length).map((part): SentPart => (part.kind === 'text' ? part : { kind: part.kind === 'stored' ? part.as : part.kind === 'request_info' ? 'file' : part.kind })),
      );
      try {
        for (let i = done.length; i < parts.length; i++) {
          const id = await sendPart(userId, parts[i]!, signal);
          ownSends.sent(id);
          done.push(id);
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
      return { externalId: done[0]! };
    },

    // Zalo's own count (the quota API, read before the decision); the fixed rule when it cannot be read.
    prepareWindow: (userId) => (userId.startsWith('anonymous:') ? Promise.resolve() : quota.prepare(userId)),
    replyWindow: (windowState) => quota.window(windowState),


    async start() {
      // In the background: the gateway serves webhooks even while Zalo is slow to answer.
      starting = (async () => {
        await verifyConnection();
        if (!background.signal.aborted) await tokens.start();
      })().catch((error: unknown) => logger.error({ err: error }, 'Zalo OA start failed'));
    },

    async close() {
      background.abort();
      tokens.stop();
      await starting;
      await profiles.close();
    },
  };
}

/**
 * Zalo Official Account (OA Open API v3): citizens' messages arrive on a signed webhook, agents'
 * replies go out as customer-service messages within Zalo's 48 h / 8 replies window, and the
 * OA's access token is renewed before it expires.
 */
export default defineChannel({
  name: 'zalo-oa',
  display: { names: { vi: 'Zalo OA', en: 'Zalo OA' }, reportNames: { vi: 'Zalo', en: 'Zalo' }, icon: 'Z', color: '#77a9ff' },
  // Agents can send Zalo's request-info form; the citizen's answer links them by phone.
  features: ['request_contact_info'],
  settingsSchema: zaloSettings,
  settingsFromEnv: zaloSettingsFromEnv,
  defaultInboxName: 'Zalo OA',
  envVariables: zaloEnvVariables,
  create: createZaloAdapter,
});
