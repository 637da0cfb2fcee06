import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Attachment, InboundMessage } from '../../core/domain/types.ts';
import type { EventBus } from '../../core/events.ts';
import { HttpError } from '../../core/errors.ts';
import type { Ingest } from '../../core/ingest.ts';
import type { Metrics } from '../../core/metrics.ts';
import type { ChannelContext } from '../channel-adapter.ts';
import type { BotConnection } from './api-client.ts';
import type { References } from './references.ts';
import type { Activity, BotAttachment } from './types.ts';

/** What one activity means for the gateway. */
export type BotFrameworkNormalized =
  | { kind: 'message'; message: InboundMessage; person: string }
  | { kind: 'typing'; person: string }
  /** Valid, but nothing the hotline acts on (members added, reactions, installs...). */
  | { kind: 'ignored'; reason: string }
  /** Signed by the channel, yet missing what the gateway needs to file or answer it. */
  | { kind: 'unusable'; reason: string };

/**
 * The person as the gateway knows them: the Azure connector (`msteams`, `webchat`,
 * `directline`...) and the id it gives them. Ids are only unique per connector (Direct Line
 * callers pick their own), so the connector is part of the identity, and shows on it.
 */
export const personOf = (channelId: string, fromId: string) => `${channelId}:${fromId}`;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/** Teams files arrive as a download-info card; everything else by contentUrl and content type. */
function toAttachment(attachment: BotAttachment): Attachment | null {
  const contentType = attachment.contentType ?? '';
  const name = str(attachment.name);
  const named = name ? { name } : {};
  if (contentType === 'application/vnd.microsoft.teams.file.download.info') {
    const content = (attachment.content ?? {}) as { downloadUrl?: unknown; fileType?: unknown; uniqueId?: unknown };
    const url = str(content.downloadUrl);
    return { kind: 'file', ...(url ? { url } : {}), ...named, meta: { fileType: content.fileType, uniqueId: content.uniqueId } };
  }
  // Teams repeats the message's formatted text as an HTML attachment: the text is kept already.
  if (contentType === 'text/html') return null;
  const url = str(attachment.contentUrl);
  const mime = contentType ? { mimeType: contentType } : {};
  const major = contentType.split('/')[0];
  if (url && (major === 'image' || major === 'audio' || major === 'video')) return { kind: major, url, ...named, ...mime };
  if (url) return { kind: 'file', url, ...named, ...mime };
  // Cards and other inline content: kept with their type for the agent and the record.
  return { kind: 'link', ...named, meta: { contentType, content: attachment.content } };
}

/**
 * Maps one activity to what the gateway stores: messages (text, files, hero-card button
 * choices), the person typing; conversation updates (a member added opens nothing), reactions,
 * installs and invokes are acknowledged and ignored.
 */
export function normalizeActivity(activity: Partial<Activity>, inboxId: number): BotFrameworkNormalized {
  const type = str(activity.type);
  if (!type) return { kind: 'unusable', reason: 'no activity type' };
  const channelId = str(activity.channelId);
  const fromId = str(activity.from?.id);
  if (type !== 'message' && type !== 'typing') return { kind: 'ignored', reason: type };
  if (!channelId || !fromId) return { kind: 'unusable', reason: `${type} without channelId or from.id` };
  const person = personOf(channelId, fromId);
  if (type === 'typing') return { kind: 'typing', person };

  const conversationId = str(activity.conversation?.id);
  if (!conversationId || !str(activity.id) || !str(activity.serviceUrl)) return { kind: 'unusable', reason: 'message without id, conversation.id or serviceUrl' };
  const text = str(activity.text) ?? null;
  const attachments = (Array.isArray(activity.attachments) ? activity.attachments : []).map(toAttachment).filter((a): a is Attachment => a !== null);
  const value = activity.value as { quickReplyPayload?: unknown } | undefined;
  const payload = typeof value === 'object' && value !== null ? str(value.quickReplyPayload) : undefined;
  if (text === null && attachments.length === 0 && !payload) return { kind: 'unusable', reason: 'message without text, files or a button value' };

  const timestamp = activity.timestamp ? new Date(activity.timestamp as unknown as string) : null;
  const tenantId = str((activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id) ?? str(activity.conversation?.tenantId);
  const displayName = str(activity.from?.name);
  const metadata: Record<string, unknown> = {
    channelId,
    conversationId,
    ...(activity.conversation?.conversationType ? { conversationType: activity.conversation.conversationType } : {}),
    ...(tenantId ? { tenantId } : {}),
    ...(activity.from?.aadObjectId ? { aadObjectId: activity.from.aadObjectId } : {}),
    ...(activity.locale ? { locale: activity.locale } : {}),
    ...(payload ? { quickReplyPayload: payload } : {}),
  };
  return {
    kind: 'message',
    person,
    message: {
      inboxId,
      // Activity ids are unique within their conversation only.
      externalMessageId: `${conversationId}|${activity.id}`,
      sender: { externalUserId: person, ...(displayName ? { displayName } : {}) },
      text,
      attachments,
      sentAt: timestamp && Number.isFinite(timestamp.getTime()) ? timestamp : new Date(),
      metadata,
      raw: activity,
    },
  };
}

export interface BotFrameworkWebhookDeps {
  /** `/webhooks/botframework` for the default inbox, `/webhooks/botframework/<key>` for the others. */
  path: string;
  inboxId: number;
  connection: BotConnection;
  references: References;
  ingest: Ingest;
  events: EventBus;
  metrics: Metrics;
  keepUnusable: ChannelContext<unknown>['keepUnusable'];
  logger: FastifyBaseLogger;
}

/** The SDK could not check the token at all (the OpenID keys are out of reach): not the caller's fault. */
function keysUnavailable(error: unknown): boolean {
  const e = error as { statusCode?: unknown; name?: unknown } | null;
  return e?.statusCode === 500 || e?.name === 'FetchError';
}

/**
 * The bot's messaging endpoint. Every request is authenticated by the SDK before anything is
 * read from it: a missing, forged, expired or misaddressed token gets 401 and nothing is stored.
 * A message is stored (once: retries dedupe on conversation and activity id) inside the
 * adapter's turn, before the 200; a signed activity the gateway cannot use is acknowledged and
 * kept with the other channels' unusable payloads, so the channel does not retry it for hours.
 */
export async function registerBotFrameworkWebhook(app: FastifyInstance, deps: BotFrameworkWebhookDeps): Promise<void> {
  const { connection, references, metrics, logger } = deps;
  // This scope is the channel's own: any body reaches the token check before it is parsed, so an
  // unauthenticated caller learns nothing from a parse error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  async function keep(reason: string, raw: Buffer, activity: Partial<Activity> | null): Promise<void> {
    metrics.messagesIngested.inc({ channel: 'botframework', result: 'unusable' });
    logger.warn({ reason, activityId: activity?.id, type: activity?.type, channelId: activity?.channelId }, 'Bot Framework activity kept unused');
    // Where every channel keeps them: retention and a citizen's erasure reach them there.
    let body: unknown = raw.toString('utf8');
    try {
      body = JSON.parse(body as string);
    } catch {
      // Kept as the text that came.
    }
    await deps.keepUnusable(reason, body);
  }


  app.post(deps.path, { schema: { tags: ['webhooks'], summary: 'Bot Framework activities for the bot (Authorization: Bearer <channel JWT>)' } }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      // Judged after the token: an unauthenticated caller gets 401 whatever it sent.
    }
    const activity = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Partial<Activity>) : null;

    let authenticated: Awaited<ReturnType<BotConnection['authenticate']>>;
    try {
      authenticated = await connection.authenticate(activity ?? {}, request.headers.authorization ?? '');
    } catch (error) {
      if (keysUnavailable(error)) {
        logger.error({ err: error }, 'Bot Framework signing keys unavailable');
        throw new HttpError(503, 'keys_unavailable', 'the channel signing keys could not be loaded; retry later');
      }
      metrics.messagesIngested.inc({ channel: 'botframework', result: 'unauthorized' });
      logger.info({ reason: error instanceof Error ? error.message : String(error) }, 'Bot Framework request refused');
      throw new HttpError(401, 'unauthorized', 'the Bot Framework token is missing or invalid');
    }

    const normalized: BotFrameworkNormalized = activity ? normalizeActivity(activity, deps.inboxId) : { kind: 'unusable', reason: 'the body is not a JSON object' };
    if (normalized.kind === 'unusable') {
      await keep(normalized.reason, raw, activity);
      return reply.code(200).send();
    }
    if (normalized.kind === 'ignored') return reply.code(200).send();
    if (normalized.kind === 'typing') {
      const conversationId = await references.conversationOf(normalized.person);
      if (conversationId !== null) deps.events.emit('conversation.typing', { conversationId, by: 'contact' });
      return reply.code(200).send();
    }

    const { message, person } = normalized;
    await connection.turn(authenticated, activity as Activity, async (context) => {
      // Kept before the ingest: the bot's answer may be on its way as soon as the row commits.
      await references.remember(person, connection.referenceOf(context.activity));
      const [result] = await deps.ingest([message]);
      if (!result) return;
      await references.link(person, result.conversationId);
      metrics.messagesIngested.inc({ channel: 'botframework', result: result.duplicate ? 'duplicate' : 'stored' });
    });
    return reply.code(200).send();
  });
}
