import { and, eq, inArray } from 'drizzle-orm';
import type { FileConfig } from '../../core/config/file-schema.ts';
import { normalizeVnPhone } from '../../core/domain/phone.ts';
import { t as text, type Locale } from '../../core/i18n/index.ts';
import type { NoticeTransport } from '../../core/notice-transport.ts';
import type { Outreach, OutreachResult } from '../../core/outreach.ts';
import type { Store } from '../../core/store/store.ts';

/** A ticket whose answer the citizen should hear of: by its contact, or the number of its call. */
export interface AnsweredTicket {
  id: number;
  code: string;
  contactId: number | null;
  callId: number | null;
}

/** One way of telling: 'unreachable' (nothing tried, nothing recorded), 'sent', or why it failed. */
type AnswerWay = (ticket: AnsweredTicket, contact: { phone: string | null; email: string | null }, content: AnswerContent) => Promise<'unreachable' | 'sent' | (string & {})>;

interface AnswerContent {
  /** The whole notice as text (Zalo chat, email, SMS). */
  body: string;
  /** What a ZNS template may name: `code`, `answer` (a summary), `link`, `name`, `deployment`. */
  values: Record<string, string>;
}

/** ZNS template parameters are short; an answer longer than this is cut with an ellipsis. */
const summaryLength = 100;
/** An SMS carries a summary too, never a whole answer. */
const smsAnswerLength = 300;

const cut = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max - 1).trimEnd()}…`);

const outcomeOf = (result: OutreachResult) => (result.kind === 'queued' ? 'sent' : result.kind === 'refused' ? `${result.reason}${result.detail ? ` (${result.detail})` : ''}` : result.kind);

/**
 * The answer of a ticket for a citizen who has no conversation to receive it (they called, or
 * the conversation's window is closed): told on the ways `care.noticeOrder` lists, the same order
 * as campaign pre-notices. By default the Zalo OA chat when they wrote to the OA, else a ZNS
 * template (the one configured for `ticket_answer`) to their phone, else email, else SMS. What was
 * tried and why it failed is returned for the ticket's history.
 */
export function createAnswerNotices(deps: {
  store: Store;
  outreach: Outreach;
  config: FileConfig;
  voteLink: (ticketId: number) => string;
}) {
  const { store, outreach, config } = deps;
  const { t: tables, db } = store;
  const locale: Locale = config.deployment.locale;
  let transports: readonly NoticeTransport[] = [];

  const zalo: AnswerWay = async (ticket, _contact, { body }) => {
    const inboxIds = outreach.inboxesOf('zalo-oa').map((inbox) => inbox.id);
    if (!inboxIds.length || ticket.contactId === null) return 'unreachable';
    // The OA writes only to someone who wrote to it: an identity of theirs in one of its inboxes.
    const [identity] = await db
      .select({ inboxId: tables.contactIdentities.inboxId })
      .from(tables.contactIdentities)
      .where(and(eq(tables.contactIdentities.contactId, ticket.contactId), inArray(tables.contactIdentities.inboxId, inboxIds)))
      .limit(1);
    if (!identity) return 'unreachable';
    return outcomeOf(await outreach.send({ contactId: ticket.contactId!, inboxId: identity.inboxId, text: body, senderType: 'system', senderRef: `ticket:${ticket.id}`, metadata: { ticketId: ticket.id, answerNotice: true } }));
  };

  const email: AnswerWay = async (ticket, contact, { body }) => {
    const inbox = outreach.inboxesOf('email')[0];
    if (!contact.email || !inbox || ticket.contactId === null) return 'unreachable';
    const subject = text(locale, 'ticket.answerMessage', { code: ticket.code, answer: '' }).split('\n')[0]!.trim();
    return outcomeOf(
      await outreach.send({ contactId: ticket.contactId!, inboxId: inbox.id, address: contact.email, subject, text: body, senderType: 'system', senderRef: `ticket:${ticket.id}`, metadata: { ticketId: ticket.id, answerNotice: true } }),
    );
  };

  /** A one-way transport; a template transport (ZNS) goes only with the template configured for answers. */
  const viaTransport =
    (name: string): AnswerWay =>
    async (ticket, contact, { body, values }) => {
      const transport = transports.find((candidate) => candidate.name === name);
      if (!transport) return 'unreachable';
      const to = transport.reaches === 'phone' ? contact.phone : contact.email;
      if (!to) return 'unreachable';
      const template = transport.templates?.().find((candidate) => candidate.purpose === 'ticket_answer')?.key;
      const notice = { purpose: 'ticket_answer' as const, text: body, values, ...(template ? { template } : {}) };
      if (transport.accepts && !transport.accepts(notice)) return 'unreachable';
      await transport.send({ ...notice, to, trackingId: `ticket-${ticket.id}-answer` });
      return 'sent';
    };

  const ways = (name: string): AnswerWay => (name === 'zalo' ? zalo : name === 'email' ? email : viaTransport(name));

  return {
    /** The transports the deployment set up (SMS, an OA's ZNS): known once the channels exist. */
    useTransports(list: readonly NoticeTransport[]): void {
      // The first transport of a name wins (two OAs with ZNS: the first inbox's).
      transports = list.filter((transport, i, all) => all.findIndex((other) => other.name === transport.name) === i);
    },

    /** Tries the ways in order until one tells the citizen; which one did, and what failed before. */
    async tell(ticket: AnsweredTicket, answer: string): Promise<{ way: string | null; tried: string[] }> {
      const [known] =
        ticket.contactId !== null
          ? await db.select({ phone: tables.contacts.phone, email: tables.contacts.email }).from(tables.contacts).where(eq(tables.contacts.id, ticket.contactId)).limit(1)
          : [];
      // A first-time caller has no contact yet: the number they called from is how to reach them.
      const [call] = ticket.callId !== null ? await db.select({ number: tables.calls.number }).from(tables.calls).where(eq(tables.calls.id, ticket.callId)).limit(1) : [];
      const contact = { phone: known?.phone ?? (call ? normalizeVnPhone(call.number) : null), email: known?.email ?? null };
      if (!contact.phone && !contact.email && ticket.contactId === null) return { way: null, tried: [] };
      const link = deps.voteLink(ticket.id);
      const full = `${text(locale, 'ticket.answerMessage', { code: ticket.code, answer })}\n\n${text(locale, 'ticket.voteQuestion', { link })}`;
      const values = { code: ticket.code, answer: cut(answer, summaryLength), link, name: config.deployment.name, deployment: config.deployment.name };
      const tried: string[] = [];
      for (const name of config.care.noticeOrder) {
        // An SMS is short: the answer's summary and the link, not the whole answer.
        const body = name === 'sms' ? `${text(locale, 'ticket.answerNotice.sms', { deployment: config.deployment.shortName, code: ticket.code, answer: cut(answer, smsAnswerLength) })}\n${link}` : full;
        const outcome = await ways(name)(ticket, contact, { body, values }).catch((error: unknown) => `failed: ${(error as Error).message}`);
        if (outcome === 'sent') return { way: name, tried };
        if (outcome !== 'unreachable') tried.push(`${name}: ${outcome}`);
      }
      return { way: null, tried };
    },
  };
}

export type AnswerNotices = ReturnType<typeof createAnswerNotices>;
