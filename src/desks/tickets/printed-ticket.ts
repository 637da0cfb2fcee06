// What a printed ticket holds, built once for the inbox's print page and the PDF, which only lay
// it out. It is made from the ticket exactly as the reader may read it (tickets.get), so paper
// never shows a unit more than its screen does: a masked phone stays masked, a denunciation's
// reporter stays hidden.
import type { BusinessHours } from '../../core/business-hours.ts';
import { defaultDeadlines, type FileConfig } from '../../core/config/file-schema.ts';
import type { PrintedStageOf, PrintedTicketOf } from '../../contracts/tickets.ts';
import type { Level, Satisfaction, TicketStatus, TicketType } from './ticket-rules.ts';
import type { Tickets } from './tickets.ts';

/** The national motto every administrative paper in Vietnam carries at the top right. */
export const nationalMotto = { country: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', motto: 'Độc lập - Tự do - Hạnh phúc' } as const;

/** One level's turn with the ticket, and the ticket as printed: the wire's shapes, with instants. */
export type PrintedStage = PrintedStageOf<Date>;
export type PrintedTicket = PrintedTicketOf<Date>;
export type StageOutcome = PrintedStage['outcome'];

type ReadTicket = Awaited<ReturnType<Tickets['get']>>;
const deadlineKey = { 2: 'unit', 3: 'unitLeadership', 4: 'provinceLeadership' } as const;

/**
 * Lays a ticket's history out by level. The deadline of a past level is worked out again from the
 * configured working days, as the step that set it did; the current level's is the stored one.
 */
export function printedTicket(
  ticket: ReadTicket,
  context: { organisation: string; unitNames: ReadonlyMap<number, string>; businessHours: Pick<BusinessHours, 'addWorkingDays'>; deadlines: FileConfig['tickets']['deadlines']; printedBy: string; now?: Date },
): PrintedTicket {
  const days = context.deadlines[ticket.type as TicketType] ?? context.deadlines.default ?? defaultDeadlines;
  const stages: PrintedStage[] = [];
  let deadline: Date | null = null;
  const start = (level: Level, at: Date, unitId: number | null) =>
    stages.push({ level, unitName: level === 1 || unitId === null ? null : (context.unitNames.get(unitId) ?? null), from: at, deadline: level === 1 ? null : deadline, outcome: 'open', endedAt: null, signedBy: null, text: null });
  const end = (outcome: StageOutcome, at: Date, by: string, text: string | null) => {
    const current = stages.at(-1);
    // An answered level stays answered: closing or reopening afterwards is not its doing.
    if (!current || current.outcome !== 'open') return;
    Object.assign(current, { outcome, endedAt: at, signedBy: by, text });
  };
  for (const step of ticket.history) {
    const to = step.toLevel as Level | null;
    if (step.action === 'create') {
      start(1, step.at, null);
      continue;
    }
    if (step.action === 'answer') {
      end('answered', step.at, step.actorName, step.comment);
      continue;
    }
    // A reopened ticket starts a new turn even at the level it was answered at.
    if (to === null || (to === step.fromLevel && step.action !== 'reopen')) continue;
    const outcome: StageOutcome = step.action === 'forward' ? 'forwarded' : step.action === 'escalate' ? 'escalated' : step.action === 'send_back' ? 'sent_back' : 'reopened';
    end(outcome, step.at, step.actorName, step.action === 'send_back' ? step.comment : null);
    // Forwarding and escalating start the new level's clock; a send-back to a unit keeps it.
    if (to === 1) deadline = null;
    else if (step.action === 'forward' || step.action === 'escalate') deadline = context.businessHours.addWorkingDays(step.at, days[deadlineKey[to as 2 | 3 | 4]]);
    start(to, step.at, step.toUnitId);
  }
  const last = stages.at(-1);
  if (last && last.level === ticket.level && ticket.level !== 1) last.deadline = ticket.deadline;
  return {
    header: { ...nationalMotto, organisation: context.organisation },
    id: ticket.id,
    code: ticket.code,
    type: ticket.type as TicketType,
    channel: ticket.channel,
    tthc: ticket.tthc,
    field: ticket.field,
    status: ticket.status as TicketStatus,
    level: ticket.level as Level,
    unitName: ticket.unitName,
    receivedAt: ticket.receivedAt,
    answeredAt: ticket.answeredAt,
    closedAt: ticket.closedAt,
    citizen: ticket.reporterHidden ? null : ticket.contact,
    reporterHidden: ticket.reporterHidden,
    subject: ticket.subject,
    body: ticket.body,
    stages,
    satisfaction: ticket.satisfaction as Satisfaction | null,
    satisfactionComment: ticket.satisfactionComment,
    printedAt: context.now ?? new Date(),
    printedBy: context.printedBy,
  };
}
