import { recordActivity } from './activity.ts';
import { and, desc, eq, gt, gte, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { appendAudit, type AuditEntry } from './audit.ts';
import type { ConversationStatus } from './domain/types.ts';
import { NotFoundError } from './errors.ts';
import type { EventBus } from './events.ts';
import { t as text, type Locale } from './i18n/index.ts';
import type { Store, Tables } from './store/store.ts';
import { foldedContains, foldText } from './text-fold.ts';

export interface ConversationFilter {
  status?: ConversationStatus;
  inboxId?: number;
  channel?: string;
  /** The client of a shared inbox (the web form's 'web' or 'app'). */
  source?: string;
  teamId?: number;
  assigneeId?: number;
  contactId?: number;
  /** Only conversations carrying this label. */
  labelId?: number;
  /** Last message at or after / at or before these times. */
  from?: Date;
  to?: Date;
  /**
   * Words found, accents ignored, in the contact's name, phone or email or in a message of the
   * conversation ("nguyen van a" finds "Nguyễn Văn A", "dang ky" finds "đăng ký").
   */
  q?: string;
  /** Only what an agent may see: their teams' conversations and those assigned to them. */
  visibleTo?: { teamIds: number[]; agentId: number };
  /** Opaque cursor from the previous page. */
  cursor?: string;
  limit: number;
}

/** The conversations an agent may see: their teams' and those assigned to them. */
export function visibleWhere(t: Tables, scope: { teamIds: number[]; agentId: number }): SQL {
  return or(eq(t.conversations.assigneeId, scope.agentId), scope.teamIds.length ? inArray(t.conversations.teamId, scope.teamIds) : undefined)!;
}

/**
 * Search terms as the query holds them: folded, and for something that looks like a phone
 * number also its national digits, since phones are stored as 84xxxxxxxxx.
 */
export function searchTerms(q: string): { text: string; digits: string | null } {
  const text = foldText(q).replace(/\s+/g, ' ').trim();
  const raw = q.replace(/[\s.\-()+]/g, '');
  const digits = /^\d{3,}$/.test(raw) ? raw.replace(/^(84|0)/, '') : null;
  return { text, digits };
}

const encodeCursor = (at: Date, id: number) => Buffer.from(`${at.getTime()}:${id}`).toString('base64url');
function decodeCursor(cursor: string): { at: Date; id: number } | null {
  const [ms, id] = Buffer.from(cursor, 'base64url').toString().split(':').map(Number);
  return Number.isFinite(ms) && Number.isInteger(id) ? { at: new Date(ms!), id: id! } : null;
}

/** Reads and changes conversations for the REST API, the inbox and channels' citizen views. */
export function createConversations(store: Store, events: EventBus, locale: Locale) {
  const { t, db } = store;

  const summary = {
    id: t.conversations.id,
    status: t.conversations.status,
    inboxId: t.conversations.inboxId,
    channel: t.inboxes.channel,
    source: t.conversations.source,
    contactId: t.conversations.contactId,
    contactName: t.contacts.name,
    teamId: t.conversations.teamId,
    assigneeId: t.conversations.assigneeId,
    lastMessageAt: t.conversations.lastMessageAt,
    lastInboundAt: t.conversations.lastInboundAt,
    createdAt: t.conversations.createdAt,
    resolvedAt: t.conversations.resolvedAt,
    handler: t.conversations.handler,
    waitingSince: t.conversations.waitingSince,
  };

  async function list(filter: ConversationFilter) {
    const where: SQL[] = [];
    if (filter.status) where.push(eq(t.conversations.status, filter.status));
    if (filter.inboxId !== undefined) where.push(eq(t.conversations.inboxId, filter.inboxId));
    if (filter.channel) where.push(eq(t.inboxes.channel, filter.channel));
    if (filter.source) where.push(eq(t.conversations.source, filter.source));
    if (filter.teamId !== undefined) where.push(eq(t.conversations.teamId, filter.teamId));
    if (filter.assigneeId !== undefined) where.push(eq(t.conversations.assigneeId, filter.assigneeId));
    if (filter.contactId !== undefined) where.push(eq(t.conversations.contactId, filter.contactId));
    if (filter.visibleTo) where.push(visibleWhere(t, filter.visibleTo));
    if (filter.labelId !== undefined) {
      where.push(inArray(t.conversations.id, db.select({ id: t.conversationLabels.conversationId }).from(t.conversationLabels).where(eq(t.conversationLabels.labelId, filter.labelId))));
    }
    if (filter.from) where.push(gte(t.conversations.lastMessageAt, filter.from));
    if (filter.to) where.push(lte(t.conversations.lastMessageAt, filter.to));
    if (filter.q) {
      const { text: folded, digits } = searchTerms(filter.q);
      if (folded || digits) {
        const d = store.dialect;
        // Newest first with a LIMIT: the scan stops once a page is found, and each message
        // check walks one conversation's messages by the (conversation_id, id) index.
        const inMessages = sql`exists (select 1 from ${t.messages} where ${t.messages.conversationId} = ${t.conversations.id} and ${t.messages.direction} in ('in', 'out', 'note') and ${foldedContains(d, t.messages.text, folded)})`;
        where.push(
          or(
            folded ? foldedContains(d, t.contacts.name, folded) : undefined,
            folded ? foldedContains(d, t.contacts.email, folded) : undefined,
            digits ? sql`${t.contacts.phone} like ${`%${digits}%`}` : undefined,
            folded ? inMessages : undefined,
          )!,
        );
      }
    }
    const cursor = filter.cursor ? decodeCursor(filter.cursor) : null;
    if (cursor) {
      where.push(or(lt(t.conversations.lastMessageAt, cursor.at), and(eq(t.conversations.lastMessageAt, cursor.at), lt(t.conversations.id, cursor.id)))!);
    }
    const rows = await db
      .select(summary)
      .from(t.conversations)
      .innerJoin(t.inboxes, eq(t.inboxes.id, t.conversations.inboxId))
      .innerJoin(t.contacts, eq(t.contacts.id, t.conversations.contactId))
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(t.conversations.lastMessageAt), desc(t.conversations.id))
      .limit(filter.limit + 1);
    const page = await withLabels(rows.slice(0, filter.limit));
    const last = page.at(-1);
    return { items: page, nextCursor: rows.length > filter.limit && last ? encodeCursor(last.lastMessageAt, last.id) : null };
  }

  /** Adds each conversation's label ids (one query for the whole page). */
  async function withLabels<T extends { id: number }>(rows: T[]): Promise<Array<T & { labelIds: number[] }>> {
    const ids = rows.map((r) => r.id);
    const links = ids.length
      ? await db.select({ conversationId: t.conversationLabels.conversationId, labelId: t.conversationLabels.labelId }).from(t.conversationLabels).where(inArray(t.conversationLabels.conversationId, ids))
      : [];
    return rows.map((row) => ({ ...row, labelIds: links.filter((l) => l.conversationId === row.id).map((l) => l.labelId).sort((a, b) => a - b) }));
  }

  async function get(id: number) {
    const [row] = await db
      .select({ ...summary, contactPhone: t.contacts.phone, contactEmail: t.contacts.email })
      .from(t.conversations)
      .innerJoin(t.inboxes, eq(t.inboxes.id, t.conversations.inboxId))
      .innerJoin(t.contacts, eq(t.contacts.id, t.conversations.contactId))
      .where(eq(t.conversations.id, id))
      .limit(1);
    if (!row) throw new NotFoundError('conversation');
    return (await withLabels([row]))[0]!;
  }

  /** Messages of a conversation in id order, after `afterId` (ids only grow, so this resumes). */
  async function messages(conversationId: number, options: { afterId?: number; limit: number; citizenView?: boolean }) {
    const where: SQL[] = [eq(t.messages.conversationId, conversationId)];
    if (options.afterId !== undefined) where.push(gt(t.messages.id, options.afterId));
    // Citizens see what was said to them, never internal notes or activity.
    if (options.citizenView) where.push(inArray(t.messages.direction, ['in', 'out']));
    return db
      .select({
        id: t.messages.id,
        direction: t.messages.direction,
        senderType: t.messages.senderType,
        senderRef: t.messages.senderRef,
        text: t.messages.text,
        attachments: t.messages.attachments,
        status: t.messages.status,
        error: t.messages.error,
        externalId: t.messages.externalId,
        metadata: t.messages.metadata,
        createdAt: t.messages.createdAt,
        sentAt: t.messages.sentAt,
      })
      .from(t.messages)
      .where(and(...where))
      .orderBy(t.messages.id)
      .limit(options.limit);
  }

  async function addNote(conversationId: number, body: string, senderRef: string): Promise<{ messageId: number }> {
    const at = new Date();
    const result = await store.tx(async (tx) => {
      const [conversation] = await tx.select({ id: t.conversations.id, inboxId: t.conversations.inboxId, contactId: t.conversations.contactId }).from(t.conversations).where(eq(t.conversations.id, conversationId)).limit(1);
      if (!conversation) throw new NotFoundError('conversation');
      const [row] = await tx
        .insert(t.messages)
        .values({ conversationId, inboxId: conversation.inboxId, direction: 'note', senderType: 'agent', senderRef, text: body, status: 'sent', createdAt: at })
        .returning({ id: t.messages.id });
      return { messageId: row!.id, conversation };
    });
    events.emit('message.created', {
      messageId: result.messageId,
      conversationId,
      inboxId: result.conversation.inboxId,
      contactId: result.conversation.contactId,
      direction: 'note',
      conversationOpened: false,
    });
    return { messageId: result.messageId };
  }

  /** Changes status (and records it as an activity message and in the audit log). */
  async function setStatus(conversationId: number, status: ConversationStatus, actor: string) {
    const at = new Date();
    const changed = await store.tx(async (tx) => {
      const [current] = await tx.select({ status: t.conversations.status, inboxId: t.conversations.inboxId }).from(t.conversations).where(eq(t.conversations.id, conversationId)).limit(1);
      if (!current) throw new NotFoundError('conversation');
      if (current.status === status) return false;
      await tx
        .update(t.conversations)
        .set({ status, updatedAt: at, resolvedAt: status === 'resolved' ? at : null })
        .where(eq(t.conversations.id, conversationId));
      await recordActivity(tx, t, { conversationId, inboxId: current.inboxId, by: actor, text: text(locale, 'activity.statusChanged', { from: current.status, to: status }), metadata: { from: current.status, to: status }, at });
      await appendAudit(store, tx, { actor, action: 'conversation.status', subjectType: 'conversation', subjectId: conversationId, detail: { from: current.status, to: status } }, at);
      return true;
    });
    if (changed) events.emit('conversation.updated', { conversationId, status });
    return changed;
  }

  /**
   * Manual routing: move to a team, assign to an agent (or nobody), take over from the bot or
   * give it back. Every change is an activity line and an audit entry.
   */
  async function route(conversationId: number, change: { teamId?: number | null; assigneeId?: number | null; handler?: 'bot' | 'human' }, actor: string) {
    const at = new Date();
    const result = await store.tx(async (tx) => {
      const [current] = await tx
        .select({ inboxId: t.conversations.inboxId, teamId: t.conversations.teamId, assigneeId: t.conversations.assigneeId, handler: t.conversations.handler, waitingSince: t.conversations.waitingSince })
        .from(t.conversations)
        .where(eq(t.conversations.id, conversationId))
        .limit(1);
      if (!current) throw new NotFoundError('conversation');
      const set: Partial<typeof t.conversations.$inferInsert> = { updatedAt: at };
      if (change.teamId !== undefined) set.teamId = change.teamId;
      if (change.assigneeId !== undefined) {
        set.assigneeId = change.assigneeId;
        set.assignedAt = change.assigneeId === null ? null : at;
        if (change.assigneeId !== null) set.handler = 'human';
      }
      if (change.handler === 'human') {
        set.handler = 'human';
        if (!current.waitingSince) set.waitingSince = at;
      }
      if (change.handler === 'bot') Object.assign(set, { handler: 'bot', assigneeId: null, assignedAt: null, waitingSince: null });
      await tx.update(t.conversations).set(set).where(eq(t.conversations.id, conversationId));
      const detail = { from: { teamId: current.teamId, assigneeId: current.assigneeId, handler: current.handler }, to: change };
      await recordActivity(tx, t, { conversationId, inboxId: current.inboxId, by: actor, text: change.handler === 'bot' ? text(locale, 'router.givenBack') : null, metadata: detail, at });
      await appendAudit(store, tx, { actor, action: 'conversation.route', subjectType: 'conversation', subjectId: conversationId, detail }, at);
      return { teamId: set.teamId ?? current.teamId };
    });
    if (change.assigneeId !== undefined) events.emit('conversation.assigned', { conversationId, agentId: change.assigneeId, teamId: result.teamId });
    // A conversation moved to a team without an agent joins that team's queue.
    if (change.teamId !== undefined && change.teamId !== null && change.assigneeId === undefined) {
      events.emit('conversation.handoff', { conversationId, teamId: change.teamId, reason: 'manual' });
    }
  }

  /** Records a read of personal data (SECURITY: every read of a contact's data is audited). */
  function audit(entry: AuditEntry) {
    return store.tx((tx) => appendAudit(store, tx, entry));
  }

  return { list, get, messages, addNote, setStatus, route, audit };
}

export type Conversations = ReturnType<typeof createConversations>;
