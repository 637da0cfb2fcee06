import type { BusinessHours } from '../../core/business-hours.ts';
import type { FileConfig } from '../../core/config/file-schema.ts';
import type { EventBus } from '../../core/events.ts';
import type { InboundHandler } from '../../core/inbound-handlers.ts';
import type { NoticeTransport } from '../../core/notice-transport.ts';
import { t as text, type Locale } from '../../core/i18n/index.ts';
import { WindowClosedError, type Outbox } from '../../core/outbox.ts';
import { deploymentSecret } from '../../core/settings.ts';
import type { Store } from '../../core/store/store.ts';
import type { Outreach } from '../../core/outreach.ts';
import { createAnswerNotices, type AnsweredTicket } from './answer-notices.ts';
import { createCalls } from './calls.ts';
import { createMonthlyReport } from './monthly-report.ts';
import { printedTicket } from './printed-ticket.ts';
import { createSatisfaction } from './satisfaction.ts';
import { createTickets, type TicketPrincipal } from './tickets.ts';
import { createUnits } from './units.ts';

interface Logger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The payload a vote button carries back through the channel: `vote:<token>:<choice>`. */
export const votePayload = (token: string, vote: 'satisfied' | 'not_satisfied') => `vote:${token}:${vote}`;
export function parseVotePayload(payload: string): { token: string; vote: 'satisfied' | 'not_satisfied' } | null {
  const match = /^vote:([0-9]+\.[A-Za-z0-9_-]+):(satisfied|not_satisfied)$/.exec(payload.trim());
  return match ? { token: match[1]!, vote: match[2] as 'satisfied' | 'not_satisfied' } : null;
}

/** The vote a citizen's message carries: a quick-reply or postback payload, or (Zalo's query buttons) its text. */
export function voteIn(message: { text: string | null; metadata: unknown }): ReturnType<typeof parseVotePayload> {
  const metadata = (message.metadata ?? {}) as Record<string, unknown>;
  for (const candidate of [metadata.quickReplyPayload, metadata.postbackPayload, metadata.payload, message.text]) {
    if (typeof candidate !== 'string') continue;
    const vote = parseVotePayload(candidate);
    if (vote) return vote;
  }
  return null;
}

/**
 * Everything about tickets in one place for the app to start and stop: the tickets, the
 * organisation, calls, ratings, the monthly report, and the sweeper that flags deadlines and
 * closes unanswered surveys.
 */
export async function createTicketDesk(deps: {
  store: Store;
  events: EventBus;
  outbox: Outbox;
  /** Reaches a citizen on another inbox (an answer by Zalo OA chat or email when there is no conversation). */
  outreach: Outreach;
  businessHours: BusinessHours;
  config: FileConfig;
  /** Where citizens open vote links (the gateway's public address). */
  publicBaseUrl: string;
  logger: Logger;
}) {
  const { store, events, outbox, config, logger } = deps;
  const locale: Locale = config.deployment.locale;
  const timeZone = config.deployment.timezone;
  const satisfaction = createSatisfaction({ store, events, secret: await deploymentSecret(store, 'tickets.vote') });
  const voteLink = (ticketId: number) => `${deps.publicBaseUrl.replace(/\/$/, '')}/danh-gia/${satisfaction.voteToken(ticketId)}`;

  const answerNotices = createAnswerNotices({ store, outreach: deps.outreach, config, voteLink });

  /**
   * No conversation takes the answer (a phone ticket, or a closed window): the citizen is told on
   * the notice ways in order (OA chat, ZNS, email, SMS), and the ticket's history says how.
   */
  async function noticeAnswer(ticket: AnsweredTicket, answer: string): Promise<void> {
    const { way, tried } = await answerNotices.tell(ticket, answer);
    const system = { agentId: null, name: 'system' };
    const failures = tried.join('; ').slice(0, 1000);
    if (way === null) {
      // No way could even be tried (no phone, no transport): as before, the operator calls back.
      if (failures) await tickets.note(ticket.id, 'delivery_failed', text(locale, 'ticket.answerNotice.none', { tried: failures }), system);
      return;
    }
    await tickets.note(ticket.id, 'answer_notice', [text(locale, 'ticket.answerNotice.sent', { way }), ...(failures ? [failures] : [])].join(' '), system);
    await satisfaction.markAsked(ticket.id);
  }

  const tickets = createTickets({
    store,
    events,
    businessHours: deps.businessHours,
    config: config.tickets,
    timeZone,
    // The answer leaves on the citizen's channel as one message that ends with the rating
    // question and its buttons (one email, not two; channels without buttons show the link,
    // which opens a page where a button votes, so a mail scanner following it votes nothing).
    deliverAnswer: async (ticket, answer, by) => {
      if (ticket.conversationId === null) {
        await noticeAnswer(ticket, answer);
        return;
      }
      const token = satisfaction.voteToken(ticket.id);
      try {
        await outbox.enqueueReply({
          conversationId: ticket.conversationId,
          text: `${text(locale, 'ticket.answerMessage', { code: ticket.code, answer })}\n\n${text(locale, 'ticket.voteQuestion', { link: voteLink(ticket.id) })}`,
          senderType: 'agent',
          senderRef: by,
          metadata: {
            ticketId: ticket.id,
            quickReplies: [
              { title: text(locale, 'ticket.vote.satisfied'), payload: votePayload(token, 'satisfied') },
              { title: text(locale, 'ticket.vote.notSatisfied'), payload: votePayload(token, 'not_satisfied') },
            ],
          },
        });
        await satisfaction.markAsked(ticket.id);
      } catch (error) {
        // A closed window (Zalo after 48 h) shows on the ticket; the notice ways may still reach them.
        if (!(error instanceof WindowClosedError)) throw error;
        await tickets.note(ticket.id, 'delivery_failed', error.window.reason ?? 'window closed', { agentId: null, name: 'system' });
        await noticeAnswer(ticket, answer);
      }
    },
  });
  const units = createUnits(store);
  const calls = createCalls(store, { timeZone, hotlineNumbers: config.tickets.hotlineNumbers, events });
  const reports = createMonthlyReport(store, { timeZone, rounding: config.tickets.rateRounding });

  /** A ticket laid out for paper, as far as `reader` may read it (the print page and the PDF). */
  async function printed(id: number, reader: TicketPrincipal) {
    const ticket = await tickets.get(id, reader);
    const unitNames = new Map((await units.list({ includeDisabled: true })).map((unit) => [unit.id, unit.name] as const));
    return printedTicket(ticket, { organisation: config.deployment.name, unitNames, businessHours: deps.businessHours, deadlines: config.tickets.deadlines, printedBy: reader.name });
  }

  /** A tap on a rating button arrives as the citizen's message: record it and thank them. */
  const voteHandler: InboundHandler = {
    name: 'ticket-vote',
    async take(message) {
      const vote = voteIn(message);
      if (!vote) return false;
      // A vote is never a question for the bot, even one whose token is no longer valid.
      const ticketId = satisfaction.ticketOfToken(vote.token);
      if (ticketId === null) return true;
      const outcome = await satisfaction.rate(ticketId, vote.vote, null, { agentId: null, name: 'citizen (channel)' });
      await outbox
        .enqueueReply({ conversationId: message.conversationId, text: text(locale, outcome.recorded ? 'ticket.vote.thanks' : 'ticket.vote.already'), senderType: 'system', metadata: { ticketId } })
        .catch((err: unknown) => logger.error({ err, conversationId: message.conversationId }, 'rating thanks not queued'));
      return true;
    },
  };

  let timer: NodeJS.Timeout | undefined;
  async function sweep() {
    const deadlines = await tickets.sweepDeadlines();
    const noResponse = await tickets.sweepNoResponse();
    if (deadlines.overdue || deadlines.dueSoon || noResponse) logger.info({ ...deadlines, noResponse }, 'ticket sweep');
  }

  return {
    tickets,
    /** The notice transports (SMS, an OA's ZNS) for answers no conversation takes; set once the channels exist. */
    useNoticeTransports: (list: readonly NoticeTransport[]) => answerNotices.useTransports(list),
    units,
    calls,
    reports,
    satisfaction,
    printed,
    voteLink,
    sweep,
    voteHandler,
    async start() {
      const seeded = await units.seed(config.organisation);
      if (seeded) logger.info({ units: seeded }, 'seeded the organisation from the configuration');
    },
    /** The deadline and no-response sweeps: one node of a cluster runs them (app.ts, a lease). */
    sweeps: {
      start(): void {
        timer = setInterval(() => void sweep().catch((err: unknown) => logger.error({ err }, 'ticket sweep failed')), config.tickets.sweepIntervalSeconds * 1000);
        timer.unref();
      },
      stop(): void {
        clearInterval(timer);
      },
    },
    stop() {
      clearInterval(timer);
    },
  };
}

export type TicketDesk = Awaited<ReturnType<typeof createTicketDesk>>;
