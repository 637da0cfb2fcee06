import type { OutboundMessage, SendResult } from '../../core/domain/types.ts';
import { ChannelError } from '../../core/errors.ts';
import { defineChannel, type ChannelAdapter, type ChannelContext, type InboxStatus } from '../channel-adapter.ts';
import { quickRepliesOf } from '../shared/quick-replies.ts';
import type { BotConnection, OutboundActivity } from './api-client.ts';
import { botFrameworkEnvVariables, botFrameworkSettings, botFrameworkSettingsFromEnv, resolveBotFrameworkSettings, type BotFrameworkSettingsInput } from './config.ts';
import { createReferences } from './references.ts';
import { registerBotFrameworkWebhook } from './webhook.ts';

export { botFrameworkDisplay } from './types.ts';

/** Content types by file extension, for files queued without one (Web Chat and Teams draw images by it). */
const contentTypes: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
};

function contentTypeOf(attachment: { url: string; name?: string; mimeType?: string }): string | undefined {
  if (attachment.mimeType) return attachment.mimeType;
  const extension = /\.([a-z0-9]{2,5})$/i.exec(attachment.name ?? attachment.url.split(/[?#]/)[0]!)?.[1]?.toLowerCase();
  return extension ? contentTypes[extension] : undefined;
}

/** At most one typing activity per conversation this often (the inbox sends one per keystroke burst). */
const typingEveryMs = 3_000;

function createBotFrameworkAdapter(context: ChannelContext<BotFrameworkSettingsInput>): ChannelAdapter {
  const settings = resolveBotFrameworkSettings(context.inbox.key, context.settings, context.config.channelEnv);
  const locale = context.config.file.deployment.locale;
  const { logger, state } = context;
  const references = createReferences(state);
  const lastTyping = new Map<number, number>();
  let connection: BotConnection | undefined;
  let api: typeof import('./api-client.ts') | undefined;
  let stopTyping: (() => void) | undefined;
  let checking: Promise<void> | undefined;
  let reported: { status: InboxStatus; detail?: string } | undefined;

  /** Tells admins about a change of the connection, once (every report emits an event). */
  async function report(status: InboxStatus, detail?: string): Promise<void> {
    if (reported?.status === status && (status === 'active' || reported.detail === detail)) return;
    reported = { status, ...(detail !== undefined ? { detail } : {}) };
    await context.setStatus(status, detail);
  }

  /** Credentials Entra ID refuses need an admin; an unreachable login service only a retry. */
  async function checkCredentials(): Promise<void> {
    try {
      await (await connect()).connection.checkCredentials();
      await report('active');
    } catch (error) {
      if (error instanceof ChannelError && error.kind === 'auth_failed') await report('needs_reconnect', error.message);
      else logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Bot Framework credentials could not be checked');
    }
  }

  /** The SDK, loaded the first time it is needed (routes are registered at start, before any send). */
  async function connect(): Promise<{ connection: BotConnection; api: typeof import('./api-client.ts') }> {
    api ??= await import('./api-client.ts');
    connection ??= api.createBotConnection(settings, locale);
    return { connection, api };
  }

  async function agentTyping(conversationId: number): Promise<void> {
    const at = Date.now();
    if (at - (lastTyping.get(conversationId) ?? 0) < typingEveryMs) return;
    const person = await references.personOf(conversationId);
    if (!person) return;
    lastTyping.delete(conversationId);
    lastTyping.set(conversationId, at);
    if (lastTyping.size > 1000) lastTyping.delete(lastTyping.keys().next().value!);
    const reference = await references.reference(person);
    if (reference) await (await connect()).connection.typing(reference);
  }

  return {
    async routes(app) {
      // Builds the SDK's authentication now: a setting it refuses stops the start.
      const { connection } = await connect();
      await registerBotFrameworkWebhook(app, {
        path: context.isDefault ? '/webhooks/botframework' : `/webhooks/botframework/${context.inbox.key}`,
        inboxId: context.inbox.id,
        connection,
        references,
        ingest: context.ingest,
        events: context.events,
        metrics: context.metrics,
        keepUnusable: context.keepUnusable,
        logger,
      });
    },

    async send(message: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const { connection, api } = await connect();
      const person = message.recipientExternalId;
      const reference = await references.reference(person);
      if (!reference) throw api.botFrameworkError({ kind: 'no_reference', detail: person }, locale);
      const outbound: OutboundActivity = {
        text: message.text,
        attachments: [],
        choices: quickRepliesOf(message),
      };
      for (const attachment of message.attachments) {
        if (!attachment.url) throw api.botFrameworkError({ kind: 'unsupported', detail: `attachment ${attachment.kind} without url` }, locale);
        const file = { url: attachment.url, ...(attachment.name ? { name: attachment.name } : {}), ...(attachment.mimeType ? { mimeType: attachment.mimeType } : {}) };
        const mimeType = contentTypeOf(file);
        outbound.attachments.push({ ...file, ...(mimeType ? { mimeType } : {}) });
      }
      try {
        const id = await connection.send(reference, outbound, settings.cardChannels, signal);
        // A send that works proves the credentials again (after an admin fixed them, for instance).
        if (reported?.status === 'needs_reconnect') await report('active');
        // Connector ids, like inbound ones, are unique within their conversation only.
        return id ? { externalId: `${reference.conversation.id}|${id}` } : {};
      } catch (error) {
        if (error instanceof ChannelError && error.kind === 'auth_failed') await report('needs_reconnect', error.message);
        throw error;
      }
    },

    async start() {
      // In the background: the endpoint serves activities even while Entra ID is slow to answer.
      checking = checkCredentials();
      stopTyping = context.events.on('conversation.typing', (event) => {
        if (event.by !== 'agent') return;
        agentTyping(event.conversationId).catch((error: unknown) => logger.debug({ err: error }, 'Bot Framework typing not sent'));
      });
    },

    async close() {
      stopTyping?.();
      await checking;
    },
  };
}

/**
 * Azure Bot Service through the Bot Framework SDK (botbuilder): Microsoft Teams, Web Chat, Direct
 * Line and Azure's other connectors on one messaging endpoint; answers go out as proactive
 * messages through each person's stored conversation reference.
 */
export default defineChannel({
  name: 'botframework',
  display: { names: { vi: 'Bot Framework (Teams, Web Chat)', en: 'Bot Framework (Teams, Web Chat)' }, icon: 'BF', color: '#5b5fc7' },
  settingsSchema: botFrameworkSettings,
  settingsFromEnv: botFrameworkSettingsFromEnv,
  defaultInboxName: 'Microsoft Teams / Bot Framework',
  envVariables: botFrameworkEnvVariables,
  create: createBotFrameworkAdapter,
});
