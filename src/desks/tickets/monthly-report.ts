import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { instantOf } from '../../core/business-hours.ts';
import type { FileConfig } from '../../core/config/file-schema.ts';
import type { Store } from '../../core/store/store.ts';

export type Rounding = FileConfig['tickets']['rateRounding'];

// A month's totals and a rate have no instants in them: the wire shapes are the service's own.
import type { MonthTotals, ReportRate as Rate, UnitLateness } from '../../contracts/tickets.ts';
export type { MonthTotals, Rate };

/** Customer care of the month (campaign calls, visits and answers), when the care module runs. */
export interface CareFigures {
  calls: number;
  visits: number;
  answered: number;
  satisfied: number;
  notSatisfied: number;
  tickets: number;
}

export interface MonthlyReport extends MonthTotals {
  care: (Omit<CareFigures, 'satisfied' | 'notSatisfied'> & { satisfied: Rate; notSatisfied: Rate }) | null;
  timeZone: string;
  from: Date;
  to: Date;
  generatedAt: Date;
  rounding: Rounding;
  ticketsByChannel: Record<string, number>;
  byType: Record<string, number>;
  byField: Record<string, number>;
  byUnit: Array<{ unitId: number | null; unitName: string | null; count: number }>;
  byLevel: Record<string, number>;
  /** Still being handled when the report was made: left out of the satisfaction base. */
  inProgress: number;
  answered: number;
  /** Tickets with a deadline (level 2 and above): answered by it, or not. */
  deadlines: { onTime: number; late: number; openOverdue: number };
  satisfaction: { base: number; satisfied: Rate; notSatisfied: Rate; noResponse: Rate; awaiting: number };
  /** Late handling per unit and level, with the ticket codes behind each late figure (the
   * province disciplines late units by name). Level 1 (the hotline's operators) has no deadline. */
  lateByUnit: UnitLateness[];
  previous: MonthTotals;
  change: { tickets: number; calls: number; interactions: number };
}

/** A year: the twelve monthly reports side by side, their sums, lateness and care over the year. */
export interface YearlyReport {
  year: number;
  timeZone: string;
  from: Date;
  to: Date;
  generatedAt: Date;
  rounding: Rounding;
  months: MonthlyReport[];
  totals: Pick<MonthlyReport, 'calls' | 'interactions' | 'tickets' | 'tthcTickets' | 'ticketsByChannel' | 'byType' | 'byField' | 'byLevel' | 'inProgress' | 'answered' | 'deadlines' | 'satisfaction'>;
  lateByUnit: UnitLateness[];
  care: MonthlyReport['care'];
}

/** Percent with two decimals in integer arithmetic, so 2,233/2,270 is exactly 98.37. */
export function percent(count: number, base: number, rounding: Rounding): number {
  if (base === 0) return 0;
  const scaled = rounding === 'truncate' ? Math.floor((count * 10_000) / base) : Math.floor((count * 20_000 + base) / (2 * base));
  return scaled / 100;
}

export function monthRange(month: string, timeZone: string): { from: Date; to: Date } {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
  return { from: instantOf(`${month}-01`, 0, timeZone), to: instantOf(`${next}-01`, 0, timeZone) };
}

export function previousMonth(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${year - 1}-12` : `${year}-${String(m - 1).padStart(2, '0')}`;
}

const bump = (record: Record<string, number>, key: string) => {
  record[key] = (record[key] ?? 0) + 1;
};

/** The hotline's monthly report in the shape the province publishes (README, What is in the box: monthly report). */
export function createMonthlyReport(store: Store, options: { timeZone: string; rounding: Rounding }) {
  const { t, db } = store;
  const { timeZone } = options;
  let careOf: ((from: Date, to: Date) => Promise<CareFigures>) | null = null;

  async function totals(month: string): Promise<MonthTotals> {
    const { from, to } = monthRange(month, timeZone);
    const calls = await db
      .select({ direction: t.calls.direction, n: sql<number>`count(*)` })
      .from(t.calls)
      .where(and(gte(t.calls.startedAt, from), lt(t.calls.startedAt, to)))
      .groupBy(t.calls.direction);
    // The mobile app writes through the web form's inbox: its conversations count as 'app'.
    const channelOf = sql<string>`case when ${t.conversations.source} = 'app' then 'app' else ${t.inboxes.channel} end`;
    const interactions = await db
      .select({ channel: channelOf, n: sql<number>`count(distinct ${t.messages.conversationId})` })
      .from(t.messages)
      .innerJoin(t.inboxes, eq(t.inboxes.id, t.messages.inboxId))
      .innerJoin(t.conversations, eq(t.conversations.id, t.messages.conversationId))
      .where(and(eq(t.messages.direction, 'in'), gte(t.messages.createdAt, from), lt(t.messages.createdAt, to)))
      .groupBy(channelOf);
    const [tickets] = await db
      .select({ n: sql<number>`count(*)`, tthc: sql<number>`coalesce(sum(case when ${t.tickets.tthc} then 1 else 0 end), 0)` })
      .from(t.tickets)
      .where(and(gte(t.tickets.receivedAt, from), lt(t.tickets.receivedAt, to)));
    const callsIn = Number(calls.find((c) => c.direction === 'in')?.n ?? 0);
    const callsOut = Number(calls.find((c) => c.direction === 'out')?.n ?? 0);
    const byChannel = Object.fromEntries(interactions.map((row) => [row.channel, Number(row.n)]));
    return {
      month,
      calls: { in: callsIn, out: callsOut, total: callsIn + callsOut },
      interactions: { total: Object.values(byChannel).reduce((a, b) => a + b, 0), byChannel },
      tickets: Number(tickets?.n ?? 0),
      tthcTickets: Number(tickets?.tthc ?? 0),
    };
  }

  async function build(month: string, now = new Date()): Promise<MonthlyReport> {
    const { from, to } = monthRange(month, timeZone);
    const current = await totals(month);
    const previous = await totals(previousMonth(month));
    // One narrow pass over the month's tickets: a busy month is a few thousand rows.
    const rows = await db
      .select({
        channel: t.tickets.channel,
        type: t.tickets.type,
        field: t.tickets.field,
        unitId: t.tickets.unitId,
        unitName: t.units.name,
        level: t.tickets.level,
        status: t.tickets.status,
        deadline: t.tickets.deadline,
        answeredAt: t.tickets.answeredAt,
        satisfaction: t.tickets.satisfaction,
        code: t.tickets.code,
      })
      .from(t.tickets)
      .leftJoin(t.units, eq(t.units.id, t.tickets.unitId))
      .where(and(gte(t.tickets.receivedAt, from), lt(t.tickets.receivedAt, to)));

    const ticketsByChannel: Record<string, number> = {};
    const byType: Record<string, number> = {};
    const byField: Record<string, number> = {};
    const byLevel: Record<string, number> = {};
    const units = new Map<number | null, { unitId: number | null; unitName: string | null; count: number }>();
    const deadlines = { onTime: 0, late: 0, openOverdue: 0 };
    const votes = { satisfied: 0, not_satisfied: 0, no_response: 0, awaiting: 0 };
    const lateness = new Map<string, UnitLateness>();
    let answered = 0;
    for (const row of rows) {
      bump(ticketsByChannel, row.channel);
      bump(byType, row.type);
      bump(byField, row.field ?? '');
      bump(byLevel, String(row.level));
      const unit = units.get(row.unitId) ?? { unitId: row.unitId, unitName: row.unitName, count: 0 };
      unit.count++;
      units.set(row.unitId, unit);
      const done = row.status === 'answered' || row.status === 'closed';
      if (done) {
        answered++;
        if (row.satisfaction === 'satisfied' || row.satisfaction === 'not_satisfied' || row.satisfaction === 'no_response') votes[row.satisfaction]++;
        else votes.awaiting++;
      }
      const key = `${row.unitId ?? ''}:${row.level}`;
      const unitLevel = lateness.get(key) ?? { unitId: row.unitId, unitName: row.unitName, level: row.level, received: 0, onTime: 0, late: 0, openOverdue: 0, lateCodes: [], openOverdueCodes: [] };
      unitLevel.received++;
      lateness.set(key, unitLevel);
      if (row.deadline) {
        if (done && row.answeredAt) {
          if (row.answeredAt <= row.deadline) {
            deadlines.onTime++;
            unitLevel.onTime++;
          } else {
            deadlines.late++;
            unitLevel.late++;
            unitLevel.lateCodes.push(row.code);
          }
        } else if (now > row.deadline) {
          deadlines.openOverdue++;
          unitLevel.openOverdue++;
          unitLevel.openOverdueCodes.push(row.code);
        }
      }
    }
    // Only units (the hotline's own level 1 is not disciplined by unit), the latest first.
    const lateByUnit = [...lateness.values()]
      .filter((u) => u.unitId !== null)
      .map((u) => ({ ...u, lateCodes: u.lateCodes.sort(), openOverdueCodes: u.openOverdueCodes.sort() }))
      .sort((a, b) => b.late + b.openOverdue - (a.late + a.openOverdue) || (a.unitName ?? '').localeCompare(b.unitName ?? '', 'vi') || a.level - b.level);
    const rate = (count: number): Rate => ({ count, percent: percent(count, answered, options.rounding) });
    const careFigures = careOf ? await careOf(from, to) : null;
    const care = careFigures && {
      calls: careFigures.calls,
      visits: careFigures.visits,
      answered: careFigures.answered,
      tickets: careFigures.tickets,
      satisfied: { count: careFigures.satisfied, percent: percent(careFigures.satisfied, careFigures.answered, options.rounding) },
      notSatisfied: { count: careFigures.notSatisfied, percent: percent(careFigures.notSatisfied, careFigures.answered, options.rounding) },
    };
    return {
      ...current,
      care,
      timeZone,
      from,
      to,
      generatedAt: now,
      rounding: options.rounding,
      ticketsByChannel,
      byType,
      byField,
      byUnit: [...units.values()].sort((a, b) => b.count - a.count),
      byLevel,
      inProgress: rows.length - answered,
      answered,
      deadlines,
      lateByUnit,
      satisfaction: { base: answered, satisfied: rate(votes.satisfied), notSatisfied: rate(votes.not_satisfied), noResponse: rate(votes.no_response), awaiting: votes.awaiting },
      previous,
      change: {
        tickets: current.tickets - previous.tickets,
        calls: current.calls.total - previous.calls.total,
        interactions: current.interactions.total - previous.interactions.total,
      },
    };
  }

  /**
   * The year as the province's annual review reads it: each month's report side by side (the same
   * sections), the year's sums, late handling by unit over the year, and customer care's figures
   * for the whole year.
   */
  async function yearly(year: number, now = new Date()): Promise<YearlyReport> {
    const months: MonthlyReport[] = [];
    for (let m = 1; m <= 12; m++) months.push(await build(`${year}-${String(m).padStart(2, '0')}`, now));
    const sumRecords = (pick: (r: MonthlyReport) => Record<string, number>) => {
      const out: Record<string, number> = {};
      for (const r of months) for (const [k, v] of Object.entries(pick(r))) out[k] = (out[k] ?? 0) + v;
      return out;
    };
    const sum = (pick: (r: MonthlyReport) => number) => months.reduce((a, r) => a + pick(r), 0);
    const answered = sum((r) => r.answered);
    const rate = (count: number): Rate => ({ count, percent: percent(count, answered, options.rounding) });
    const units = new Map<string, UnitLateness>();
    for (const r of months) {
      for (const u of r.lateByUnit) {
        const key = `${u.unitId}:${u.level}`;
        const into = units.get(key) ?? { ...u, received: 0, onTime: 0, late: 0, openOverdue: 0, lateCodes: [], openOverdueCodes: [] };
        into.received += u.received;
        into.onTime += u.onTime;
        into.late += u.late;
        into.openOverdue += u.openOverdue;
        into.lateCodes.push(...u.lateCodes);
        into.openOverdueCodes.push(...u.openOverdueCodes);
        units.set(key, into);
      }
    }
    const from = months[0]!.from;
    const to = months[11]!.to;
    const careFigures = careOf ? await careOf(from, to) : null;
    return {
      year,
      timeZone,
      from,
      to,
      generatedAt: now,
      rounding: options.rounding,
      months,
      totals: {
        calls: { in: sum((r) => r.calls.in), out: sum((r) => r.calls.out), total: sum((r) => r.calls.total) },
        interactions: { total: sum((r) => r.interactions.total), byChannel: sumRecords((r) => r.interactions.byChannel) },
        tickets: sum((r) => r.tickets),
        tthcTickets: sum((r) => r.tthcTickets),
        ticketsByChannel: sumRecords((r) => r.ticketsByChannel),
        byType: sumRecords((r) => r.byType),
        byField: sumRecords((r) => r.byField),
        byLevel: sumRecords((r) => r.byLevel),
        inProgress: sum((r) => r.inProgress),
        answered,
        deadlines: { onTime: sum((r) => r.deadlines.onTime), late: sum((r) => r.deadlines.late), openOverdue: sum((r) => r.deadlines.openOverdue) },
        satisfaction: {
          base: answered,
          satisfied: rate(sum((r) => r.satisfaction.satisfied.count)),
          notSatisfied: rate(sum((r) => r.satisfaction.notSatisfied.count)),
          noResponse: rate(sum((r) => r.satisfaction.noResponse.count)),
          awaiting: sum((r) => r.satisfaction.awaiting),
        },
      },
      lateByUnit: [...units.values()].sort((a, b) => b.late + b.openOverdue - (a.late + a.openOverdue) || (a.unitName ?? '').localeCompare(b.unitName ?? '', 'vi') || a.level - b.level),
      care: careFigures && {
        calls: careFigures.calls,
        visits: careFigures.visits,
        answered: careFigures.answered,
        tickets: careFigures.tickets,
        satisfied: { count: careFigures.satisfied, percent: percent(careFigures.satisfied, careFigures.answered, options.rounding) },
        notSatisfied: { count: careFigures.notSatisfied, percent: percent(careFigures.notSatisfied, careFigures.answered, options.rounding) },
      },
    };
  }

  return {
    build,
    yearly,
    totals,
    /** Adds customer care's figures to the report (the care module is built on tickets, so it
     * hands them in rather than this module reaching for it). */
    includeCare(figures: (from: Date, to: Date) => Promise<CareFigures>) {
      careOf = figures;
    },
  };
}

export type MonthlyReports = ReturnType<typeof createMonthlyReport>;
