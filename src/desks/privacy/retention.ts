// Keeps personal data no longer than the deployment says, per kind (SECURITY.md item 12): the
// content of old conversations (their files too), citizens not heard from for long, imported
// dossiers long finished, signed platform bodies kept for inspection.
// What the reports count (messages, times, channels, tickets) stays; only what names or quotes a
// citizen goes. Each pass is written to the audit log with what it did.
import { and, eq, gte, inArray, isNotNull, isNull, lt, ne, notExists, or, sql } from 'drizzle-orm';
import { appendAudit } from '../../core/audit.ts';
import type { FileConfig } from '../../core/config/file-schema.ts';
import type { Store } from '../../core/store/store.ts';
import type { PersonalData } from './personal-data.ts';

export interface RetentionResult {
  /** Conversations whose messages were emptied. */
  conversations: number;
  messages: number;
  contacts: number;
  dossiers: number;
  /** Platform bodies the gateway could not use, past their inspection period. */
  unusablePayloads: number;
}

const dayMs = 86_400_000;
/** Rows per statement: a first pass over years of history must not hold the write lock for long. */
const batchSize = 500;

interface Logger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function createRetention(store: Store, deps: { config: FileConfig['retention']; personalData: PersonalData; logger: Logger }) {
  const { t, db } = store;
  const { config, personalData, logger } = deps;

  /** A ticket still being handled keeps its conversation's words: the unit may need them. */
  const withoutOpenTicket = notExists(
    db
      .select({ id: t.tickets.id })
      .from(t.tickets)
      .where(and(eq(t.tickets.conversationId, t.conversations.id), ne(t.tickets.status, 'closed'))),
  );

  async function emptyConversations(before: Date): Promise<{ conversations: number; messages: number }> {
    let conversations = 0;
    let messages = 0;
    for (;;) {
      const due = await db
        .select({ id: t.conversations.id })
        .from(t.conversations)
        .where(
          and(
            lt(t.conversations.lastMessageAt, before),
            eq(t.conversations.status, 'resolved'),
            withoutOpenTicket,
            // Not yet emptied: some message still holds text, a file or a payload.
            sql`exists (select 1 from messages m where m.conversation_id = ${t.conversations.id} and (m.text is not null or m.attachments is not null or m.raw is not null))`,
          ),
        )
        .limit(batchSize);
      if (due.length === 0) break;
      const ids = due.map((row) => row.id);
      const emptied = await store.tx((tx) =>
        personalData.emptyMessages(tx, and(inArray(t.messages.conversationId, ids), or(isNotNull(t.messages.text), isNotNull(t.messages.attachments), isNotNull(t.messages.raw)))!),
      );
      await personalData.removeFiles(emptied.orphans);
      conversations += ids.length;
      messages += emptied.messages.length;
      if (due.length < batchSize) break;
    }
    return { conversations, messages };
  }

  /** Contacts not heard from since `before` (no message, no call) with nothing still open: no
   * conversation, ticket or personal-data request. */
  async function quietContacts(before: Date): Promise<number[]> {
    const rows = await db
      .select({ id: t.contacts.id })
      .from(t.contacts)
      .where(
        and(
          isNull(t.contacts.erasedAt),
          lt(t.contacts.createdAt, before),
          notExists(db.select({ id: t.conversations.id }).from(t.conversations).where(and(eq(t.conversations.contactId, t.contacts.id), or(gte(t.conversations.lastMessageAt, before), ne(t.conversations.status, 'resolved'))))),
          notExists(db.select({ id: t.calls.id }).from(t.calls).where(and(eq(t.calls.contactId, t.contacts.id), gte(t.calls.startedAt, before)))),
          notExists(db.select({ id: t.tickets.id }).from(t.tickets).where(and(eq(t.tickets.contactId, t.contacts.id), ne(t.tickets.status, 'closed')))),
          notExists(db.select({ id: t.privacyRequests.id }).from(t.privacyRequests).where(and(eq(t.privacyRequests.contactId, t.contacts.id), isNull(t.privacyRequests.completedAt)))),
        ),
      )
      .limit(batchSize);
    return rows.map((row) => row.id);
  }

  async function clearDossiers(before: Date): Promise<number> {
    const cleared = await store.tx((tx) =>
      tx
        .update(t.dossiers)
        .set({ applicantName: null, applicantPhone: null, applicantEmail: null, contactId: null, raw: null, updatedAt: new Date() })
        .where(and(lt(t.dossiers.finishedAt, before), or(isNotNull(t.dossiers.applicantName), isNotNull(t.dossiers.applicantPhone), isNotNull(t.dossiers.applicantEmail), isNotNull(t.dossiers.raw))))
        .returning({ id: t.dossiers.id }),
    );
    return cleared.length;
  }

  /** Whole rows: a body kept for inspection has no counts to keep. */
  async function dropUnusablePayloads(before: Date): Promise<number> {
    let dropped = 0;
    for (;;) {
      const due = await db.select({ id: t.unusablePayloads.id }).from(t.unusablePayloads).where(lt(t.unusablePayloads.receivedAt, before)).limit(batchSize);
      if (due.length === 0) break;
      await store.tx((tx) => tx.delete(t.unusablePayloads).where(inArray(t.unusablePayloads.id, due.map((row) => row.id))));
      dropped += due.length;
      if (due.length < batchSize) break;
    }
    return dropped;
  }

  /** One pass over every kind with a period set; resolves with what it did. */
  async function sweep(now = new Date()): Promise<RetentionResult> {
    const result: RetentionResult = { conversations: 0, messages: 0, contacts: 0, dossiers: 0, unusablePayloads: 0 };
    if (config.conversationDays !== null) Object.assign(result, await emptyConversations(new Date(now.getTime() - config.conversationDays * dayMs)));
    if (config.contactDays !== null) {
      const before = new Date(now.getTime() - config.contactDays * dayMs);
      for (let ids = await quietContacts(before); ids.length; ids = await quietContacts(before)) {
        for (const id of ids) await personalData.erase(id, 'system:retention', now);
        result.contacts += ids.length;
        if (ids.length < batchSize) break;
      }
    }
    if (config.dossierDays !== null) result.dossiers = await clearDossiers(new Date(now.getTime() - config.dossierDays * dayMs));
    if (config.unusablePayloadDays !== null) result.unusablePayloads = await dropUnusablePayloads(new Date(now.getTime() - config.unusablePayloadDays * dayMs));
    if (result.messages || result.contacts || result.dossiers || result.unusablePayloads) {
      await store.tx((tx) => appendAudit(store, tx, { actor: 'system:retention', action: 'retention.sweep', detail: { ...result, periods: { ...config } } }, now));
      logger.info({ ...result }, 'retention: personal data past its period removed');
    }
    return result;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const tick = () => {
    running ??= sweep()
      .catch((error: unknown) => logger.error({ err: error }, 'retention sweep failed; tried again at the next one'))
      .finally(() => {
        running = undefined;
      });
  };
  const enabled = Object.values(config).some((days) => days !== null);

  return {
    sweep,
    start(): void {
      if (!enabled) return;
      tick();
      // Periods are counted in days: a few passes a day are precise enough.
      timer = setInterval(tick, 6 * 3_600_000);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
