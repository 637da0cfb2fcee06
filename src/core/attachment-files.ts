import { createClaimLoop } from './claim-loop.ts';
import { withDeadline } from './deadline.ts';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { FileConfig } from './config/file-schema.ts';
import { cleanName, type AttachmentStore } from './attachments.ts';
import type { Attachment, AttachmentKind } from './domain/types.ts';
import { HttpError, NotFoundError } from './errors.ts';
import type { EventBus } from './events.ts';
import type { Db, Store } from './store/store.ts';

/**
 * Files both ways, as rows: every file of a message (from any channel) and every file an agent
 * uploads is one `attachments` row with a state. Bytes a channel already holds (email, widget)
 * are stored at ingest; a platform's link (Zalo, Messenger, whose CDN links expire within days)
 * is fetched in the background, retried with backoff, and never holds the message back.
 */

/** Stored; still to fetch; over the size limit; a type not kept; could not be fetched (see detail). */
export type AttachmentState = 'pending' | 'stored' | 'too_large' | 'refused_type' | 'failed';

/** Kinds that carry bytes; stickers, locations and links are shown as what they are. */
const fileKinds: ReadonlySet<AttachmentKind> = new Set(['image', 'file', 'audio', 'video']);

/** A file of a message as the agents' API shows it. */
export interface AttachmentView {
  /** Null for what is not a file (a sticker, a location, a link). */
  id: number | null;
  kind: string;
  name: string | null;
  mimeType: string | null;
  size: number | null;
  /** Null for what is not a file. */
  state: AttachmentState | null;
  /** Why it is not stored, when it is not. */
  detail: string | null;
  /** The download (`/api/v1/attachments/:id`) once stored; a link or map for the others. */
  url: string | null;
  meta?: Record<string, unknown>;
}

/** The row an inbound attachment starts as, or null for what is not a file. */
export function initialRow(attachment: Attachment): { state: AttachmentState; stateDetail: string | null; sourceUrl: string | null; storageKey: string | null } | null {
  if (!fileKinds.has(attachment.kind)) return null;
  const meta = attachment.meta ?? {};
  if (typeof meta.storageKey === 'string') return { state: 'stored', stateDetail: null, sourceUrl: null, storageKey: meta.storageKey };
  if (meta.rejected === 'too_large') return { state: 'too_large', stateDetail: null, sourceUrl: null, storageKey: null };
  if (meta.rejected === 'type') return { state: 'refused_type', stateDetail: null, sourceUrl: null, storageKey: null };
  if (meta.rejected === 'malformed') return { state: 'refused_type', stateDetail: 'malformed image', sourceUrl: null, storageKey: null };
  if (attachment.url && /^https?:\/\//i.test(attachment.url)) return { state: 'pending', stateDetail: null, sourceUrl: attachment.url, storageKey: null };
  return { state: 'failed', stateDetail: 'the platform gave no link to the file', sourceUrl: null, storageKey: null };
}

export const downloadUrl = (id: number) => `/api/v1/attachments/${id}`;

interface ClaimedRow {
  id: number;
  message_id: number | null;
  conversation_id: number | null;
  source_url: string;
  name: string | null;
  attempts: number;
}

export function fetchBackoffMs(attempt: number, config: FileConfig['attachments']['fetch'], random = Math.random): number {
  const exponential = Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.5 + random() / 2));
}

/** A fetch that ended: stored, refused for good, or to try again. */
type FetchOutcome =
  | { state: 'stored'; storageKey: string; mimeType: string; size: number; kind: AttachmentKind; name: string | null }
  | { state: 'too_large' | 'refused_type'; detail: string | null; size?: number; mimeType?: string }
  | { state: 'retry'; detail: string };

class TooLarge extends Error {}

/** Reads a response body up to `limit` bytes; more throws TooLarge (the transfer is cut). */
async function readCapped(response: Response, limit: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new TooLarge(String(declared));
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > limit) throw new TooLarge(String(total));
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** The last path segment of a link, as a file name (Messenger's CDN names carry the extension). */
function nameFromUrl(url: string): string | undefined {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return /\.[a-z0-9]{2,5}$/i.test(last) ? cleanName(last) : undefined;
  } catch {
    return undefined;
  }
}

export function createAttachmentFiles(deps: {
  store: Store;
  events: EventBus;
  files: AttachmentStore;
  config: FileConfig['attachments'];
  logger: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Fetches a link (tests may pass their own); default: the global fetch. */
  fetch?: typeof fetch;
}) {
  const { store, events, files, config, logger } = deps;
  const { t } = store;
  const doFetch = deps.fetch ?? fetch;

  /**
   * Writes the rows of a message's files inside the ingest's (or the outbox's) transaction.
   * Returns whether any needs fetching, so the caller can wake the fetcher after its commit.
   */
  async function recordWithin(db: Db, input: { messageId: number; conversationId: number; direction: 'in' | 'out'; attachments: readonly Attachment[]; at: Date }): Promise<boolean> {
    let pending = false;
    const rows = input.attachments.flatMap((attachment, position) => {
      if (typeof attachment.meta?.attachmentId === 'number') return [];
      const initial = initialRow(attachment);
      if (!initial) return [];
      if (initial.state === 'pending') pending = true;
      return [
        {
          messageId: input.messageId,
          conversationId: input.conversationId,
          position,
          direction: input.direction,
          kind: attachment.kind,
          name: attachment.name ?? null,
          mimeType: attachment.mimeType ?? null,
          size: attachment.size ?? null,
          ...initial,
          nextAttemptAt: initial.state === 'pending' ? input.at : null,
          createdAt: input.at,
          updatedAt: input.at,
        },
      ];
    });
    if (rows.length) await db.insert(t.attachments).values(rows);
    return pending;
  }

  /** The files of these messages as the agents' API shows them, keyed by message id. */
  async function viewsOf(messages: ReadonlyArray<{ id: number; attachments: unknown }>): Promise<Map<number, AttachmentView[]>> {
    const ids = messages.filter((m) => Array.isArray(m.attachments) && m.attachments.length).map((m) => m.id);
    const rows = ids.length ? await store.db.select().from(t.attachments).where(inArray(t.attachments.messageId, ids)).orderBy(asc(t.attachments.id)) : [];
    const byMessage = new Map<number, Map<number, (typeof rows)[number]>>();
    for (const row of rows) {
      const positions = byMessage.get(row.messageId!) ?? new Map();
      positions.set(row.position, row);
      byMessage.set(row.messageId!, positions);
    }
    const out = new Map<number, AttachmentView[]>();
    for (const message of messages) {
      const list = (Array.isArray(message.attachments) ? message.attachments : []) as Attachment[];
      out.set(
        message.id,
        list.map((attachment, position) => {
          const row = byMessage.get(message.id)?.get(position);
          if (!row) {
            const { storageKey: _key, sha256: _sha, ...meta } = attachment.meta ?? {};
            return {
              id: null,
              kind: attachment.kind,
              name: attachment.name ?? null,
              mimeType: attachment.mimeType ?? null,
              size: attachment.size ?? null,
              state: null,
              detail: null,
              url: attachment.kind === 'link' || attachment.kind === 'location' ? (attachment.url ?? null) : null,
              ...(Object.keys(meta).length ? { meta } : {}),
            };
          }
          return {
            id: row.id,
            kind: row.kind,
            name: row.name,
            mimeType: row.mimeType,
            size: row.size,
            state: row.state as AttachmentState,
            detail: row.stateDetail,
            url: row.state === 'stored' ? downloadUrl(row.id) : null,
          };
        }),
      );
    }
    return out;
  }

  /** One row with its bytes (null bytes when not stored), or NotFound. */
  async function read(id: number) {
    const [row] = await store.db.select().from(t.attachments).where(eq(t.attachments.id, id)).limit(1);
    if (!row) throw new NotFoundError('attachment');
    const bytes = row.state === 'stored' && row.storageKey ? await files.read(row.storageKey) : null;
    return { row, bytes };
  }

  /** An agent's upload: checked and cleaned like a citizen's file, kept until a reply carries it. */
  async function upload(input: { bytes: Buffer; name?: string; declaredType?: string; uploadedBy: string }) {
    const saved = await files.save({ bytes: input.bytes, ...(input.name ? { name: input.name } : {}), ...(input.declaredType ? { declaredType: input.declaredType } : {}) });
    if (!saved.ok) return saved;
    const at = new Date();
    const { attachment } = saved;
    const [row] = await store.tx((db) =>
      db
        .insert(t.attachments)
        .values({
          direction: 'out',
          kind: attachment.kind,
          name: attachment.name ?? null,
          mimeType: attachment.mimeType ?? null,
          size: attachment.size ?? null,
          state: 'stored',
          storageKey: saved.key,
          uploadedBy: input.uploadedBy,
          createdAt: at,
          updatedAt: at,
        })
        .returning({ id: t.attachments.id }),
    );
    return { ok: true as const, id: row!.id, attachment };
  }

  /**
   * The uploads a reply carries, checked inside the reply's transaction: each must exist, be
   * this person's, stored, and not sent yet. Returns them as the message's attachments.
   */
  async function uploadsFor(db: Db, ids: readonly number[], actor: string, options: { anyUploader?: boolean } = {}): Promise<Attachment[]> {
    if (new Set(ids).size !== ids.length) throw new HttpError(400, 'invalid_attachment', 'the same file is listed twice');
    const rows = ids.length ? await db.select().from(t.attachments).where(inArray(t.attachments.id, [...ids])) : [];
    return ids.map((id) => {
      const row = rows.find((r) => r.id === id);
      if (!row || row.direction !== 'out' || (!options.anyUploader && row.uploadedBy !== actor)) throw new HttpError(400, 'invalid_attachment', `file ${id} is not one of your uploads`);
      if (row.messageId !== null) throw new HttpError(400, 'invalid_attachment', `file ${id} was already sent`);
      if (row.state !== 'stored' || !row.storageKey) throw new HttpError(400, 'invalid_attachment', `file ${id} is not stored`);
      return {
        kind: row.kind as AttachmentKind,
        ...(row.name ? { name: row.name } : {}),
        ...(row.mimeType ? { mimeType: row.mimeType } : {}),
        ...(row.size !== null ? { size: row.size } : {}),
        meta: { attachmentId: row.id, storageKey: row.storageKey },
      };
    });
  }

  /** Ties uploads to the reply that carries them (same transaction as the reply). */
  async function attachWithin(db: Db, ids: readonly number[], messageId: number, conversationId: number): Promise<void> {
    for (const [position, id] of ids.entries()) {
      await db.update(t.attachments).set({ messageId, conversationId, position, updatedAt: new Date() }).where(and(eq(t.attachments.id, id), isNull(t.attachments.messageId)));
    }
  }

  /**
   * A copy of a stored file for another message (a canned answer's form template sent again):
   * a new upload row on the same bytes.
   */
  async function copyFor(db: Db, sourceId: number, uploadedBy: string): Promise<number> {
    const [row] = await db.select().from(t.attachments).where(eq(t.attachments.id, sourceId)).limit(1);
    if (!row || row.state !== 'stored' || !row.storageKey) throw new HttpError(400, 'invalid_attachment', `file ${sourceId} is not stored`);
    const at = new Date();
    const [copy] = await db
      .insert(t.attachments)
      .values({ direction: 'out', kind: row.kind, name: row.name, mimeType: row.mimeType, size: row.size, state: 'stored', storageKey: row.storageKey, uploadedBy, createdAt: at, updatedAt: at })
      .returning({ id: t.attachments.id });
    return copy!.id;
  }

  // The background fetcher: claims due rows with a lease (skip-locked on PostgreSQL, so several
  // nodes share the work), fetches, stores, and settles each row.

  async function claim(now: Date, limit = 5): Promise<ClaimedRow[]> {
    const lockClause = store.dialect === 'pg' ? sql`for update skip locked` : sql``;
    const nowParam = store.time(now);
    const leaseParam = store.time(new Date(now.getTime() + config.fetch.timeoutMs * 2));
    return store.tx((db) =>
      store.rows<ClaimedRow>(
        db,
        sql`update attachments set attempts = attempts + 1, locked_until = ${leaseParam}, updated_at = ${nowParam}
          where id in (
            select a.id from attachments a
            where a.state = 'pending' and a.next_attempt_at <= ${nowParam} and (a.locked_until is null or a.locked_until < ${nowParam})
            order by a.id
            limit ${limit}
            ${lockClause})
          returning id, message_id, conversation_id, source_url, name, attempts`,
      ),
    );
  }

  /** The file's bytes and declared type, or why they could not be had (bounded by the fetch timeout). */
  async function download(url: string, signal: AbortSignal): Promise<{ bytes: Buffer; type: string | null } | FetchOutcome> {
    let response: Response;
    try {
      response = await doFetch(url, { signal, redirect: 'follow' });
    } catch (error) {
      return { state: 'retry', detail: `network: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}` };
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return { state: 'retry', detail: `HTTP ${response.status}` };
    }
    try {
      return { bytes: await readCapped(response, files.maxBytes), type: response.headers.get('content-type') };
    } catch (error) {
      if (error instanceof TooLarge) return { state: 'too_large', detail: null, size: Number(error.message) };
      return { state: 'retry', detail: `network: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async function fetchOne(row: ClaimedRow): Promise<FetchOutcome> {
    const got = await withDeadline(config.fetch.timeoutMs, halt.signal, (signal) => download(row.source_url, signal));
    if ('state' in got) return got;
    const { bytes, type } = got;
    const name = row.name ?? nameFromUrl(row.source_url);
    const saved = await files.save({ bytes, ...(name ? { name } : {}), ...(type ? { declaredType: type } : {}) });
    if (!saved.ok) {
      return {
        state: saved.reason === 'too_large' ? 'too_large' : 'refused_type',
        detail: saved.reason === 'malformed' ? 'malformed image' : null,
        size: bytes.length,
        ...(saved.attachment.mimeType ? { mimeType: saved.attachment.mimeType } : {}),
      };
    }
    return { state: 'stored', storageKey: saved.key, mimeType: saved.attachment.mimeType!, size: saved.attachment.size!, kind: saved.attachment.kind, name: saved.attachment.name ?? null };
  }

  async function settle(row: ClaimedRow, outcome: FetchOutcome): Promise<void> {
    const at = new Date();
    const ours = and(eq(t.attachments.id, Number(row.id)), eq(t.attachments.state, 'pending'), eq(t.attachments.attempts, Number(row.attempts)));
    let state: AttachmentState;
    let set: Partial<typeof t.attachments.$inferInsert>;
    if (outcome.state === 'retry') {
      const final = Number(row.attempts) >= config.fetch.maxAttempts;
      state = final ? 'failed' : 'pending';
      set = final
        ? { state, stateDetail: outcome.detail, lockedUntil: null, nextAttemptAt: null, updatedAt: at }
        : { stateDetail: outcome.detail, lockedUntil: null, nextAttemptAt: new Date(at.getTime() + fetchBackoffMs(Number(row.attempts), config.fetch)), updatedAt: at };
    } else if (outcome.state === 'stored') {
      state = 'stored';
      // The platform gave no name (a Messenger photo): the one its link carries, cleaned.
      set = { state, stateDetail: null, storageKey: outcome.storageKey, mimeType: outcome.mimeType, size: outcome.size, lockedUntil: null, nextAttemptAt: null, updatedAt: at, ...(row.name === null && outcome.name ? { name: outcome.name } : {}) };
    } else {
      state = outcome.state;
      set = { state, stateDetail: outcome.detail, lockedUntil: null, nextAttemptAt: null, updatedAt: at, ...(outcome.size !== undefined ? { size: outcome.size } : {}), ...(outcome.mimeType ? { mimeType: outcome.mimeType } : {}) };
    }
    const updated = await store.tx((db) => db.update(t.attachments).set(set).where(ours).returning({ id: t.attachments.id }));
    if (!updated.length) return;
    if (state !== 'pending' && row.message_id !== null) {
      events.emit('attachment.updated', { attachmentId: Number(row.id), messageId: Number(row.message_id), conversationId: Number(row.conversation_id), state });
    }
  }

  let timer: NodeJS.Timeout | undefined;
  // Cuts fetches in flight at shutdown: the row stays pending and is fetched after the restart.
  let halt = new AbortController();
  let unsubscribe: (() => void) | undefined;
  const fetcher = createClaimLoop({
    claim,
    async handle(row) {
      const outcome = await fetchOne(row).catch((error: unknown): FetchOutcome => {
        logger.error({ err: error, attachmentId: row.id }, 'attachment fetch failed unexpectedly');
        return { state: 'retry', detail: error instanceof Error ? error.message : String(error) };
      });
      await settle(row, outcome);
    },
    logger,
    name: 'attachment fetcher',
  });
  const { drain, kick } = fetcher;

  return {
    files,
    recordWithin,
    viewsOf,
    read,
    upload,
    uploadsFor,
    attachWithin,
    copyFor,
    /** Runs one fetch pass now; resolves when nothing is due (tests use it). */
    drain,
    kick,
    async start(): Promise<void> {
      fetcher.start();
      halt = new AbortController();
      // A message with a platform link is fetched as soon as it is committed, by the node that
      // stored it (the rows that need fetching are written by ingest); the timer picks up the rest.
      // Hearing every node's messages would cost each node a claim per message in the cluster.
      unsubscribe = events.onLocal('message.created', kick);
      timer = setInterval(kick, config.fetch.pollIntervalMs);
      timer.unref();
      kick();
    },
    async stop(): Promise<void> {
      unsubscribe?.();
      clearInterval(timer);
      halt.abort();
      await fetcher.stop();
    },
  };
}

export type AttachmentFiles = ReturnType<typeof createAttachmentFiles>;
