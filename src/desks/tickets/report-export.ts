import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import { vi } from '../../core/i18n/vi.ts';
import type { UnitLateness } from '../../contracts/tickets.ts';
import type { MonthlyReport, YearlyReport } from './monthly-report.ts';

/** One line of the printed report: what it counts, how many, its rate and last month's figure. */
export interface ReportLine {
  label: string;
  count: number;
  percent?: number;
  previous?: number;
  /** Indented under the line before (a breakdown). */
  detail?: boolean;
}

/** The catalogue key for a stored name (channel, type), if the catalogue has one. */
const known = (prefix: string, name: string): MessageKey | null => {
  const candidate = `${prefix}.${name}`;
  return candidate in vi ? (candidate as MessageKey) : null;
};

/** A channel's name in a printed report, from the channels' own folders; undefined when `name` is no channel. */
export type ChannelNameOf = (name: string, locale: Locale) => string | undefined;

/** The report as lines in the order the province prints them. */
export function reportLines(report: MonthlyReport, locale: Locale, channelName?: ChannelNameOf): ReportLine[] {
  const say = (key: MessageKey, params?: Record<string, string | number>) => t(locale, key, params);
  // Tickets also come in by phone (`phone`), which the catalogue names: no channel folder does.
  const channel = (name: string) => {
    const key = known('channel', name);
    return channelName?.(name, locale) ?? (key ? say(key) : name);
  };
  const lines: ReportLine[] = [
    { label: say('report.calls.total'), count: report.calls.total, previous: report.previous.calls.total },
    { label: say('report.calls.in'), count: report.calls.in, previous: report.previous.calls.in, detail: true },
    { label: say('report.calls.out'), count: report.calls.out, previous: report.previous.calls.out, detail: true },
    { label: say('report.interactions'), count: report.interactions.total, previous: report.previous.interactions.total },
    ...Object.entries(report.interactions.byChannel).map(([name, count]) => ({ label: say('report.interactions.channel', { channel: channel(name) }), count, detail: true })),
    { label: say('report.tickets'), count: report.tickets, previous: report.previous.tickets },
    ...Object.entries(report.ticketsByChannel)
      .sort((a, b) => b[1] - a[1])
      .map(([name, count]) => ({ label: say('report.tickets.channel', { channel: channel(name) }), count, detail: true })),
    { label: say('report.tickets.tthc'), count: report.tthcTickets, previous: report.previous.tthcTickets },
    ...Object.entries(report.byType).map(([type, count]) => {
      const key = known('ticketType', type);
      return { label: say('report.tickets.type', { type: key ? say(key) : type }), count, detail: true };
    }),
    ...Object.entries(report.byField).map(([field, count]) => ({ label: say('report.tickets.field', { field: field || say('report.none') }), count, detail: true })),
    ...report.byUnit.filter((u) => u.unitId !== null).map((u) => ({ label: say('report.tickets.unit', { unit: u.unitName ?? String(u.unitId) }), count: u.count, detail: true })),
    ...Object.entries(report.byLevel).map(([level, count]) => ({ label: say('report.tickets.level', { level }), count, detail: true })),
    { label: say('report.inProgress'), count: report.inProgress },
    { label: say('report.answered'), count: report.answered },
    { label: say('report.deadline.onTime'), count: report.deadlines.onTime, detail: true },
    { label: say('report.deadline.late'), count: report.deadlines.late, detail: true },
    { label: say('report.deadline.openOverdue'), count: report.deadlines.openOverdue, detail: true },
    { label: say('report.satisfied'), count: report.satisfaction.satisfied.count, percent: report.satisfaction.satisfied.percent },
    { label: say('report.notSatisfied'), count: report.satisfaction.notSatisfied.count, percent: report.satisfaction.notSatisfied.percent },
    { label: say('report.noResponse'), count: report.satisfaction.noResponse.count, percent: report.satisfaction.noResponse.percent },
  ];
  if (report.satisfaction.awaiting) lines.push({ label: say('report.awaiting'), count: report.satisfaction.awaiting });
  if (report.care) {
    lines.push(
      { label: say('report.care.answered'), count: report.care.answered },
      { label: say('report.care.calls'), count: report.care.calls, detail: true },
      { label: say('report.care.visits'), count: report.care.visits, detail: true },
      { label: say('report.care.satisfied'), count: report.care.satisfied.count, percent: report.care.satisfied.percent, detail: true },
      { label: say('report.care.notSatisfied'), count: report.care.notSatisfied.count, percent: report.care.notSatisfied.percent, detail: true },
      { label: say('report.care.tickets'), count: report.care.tickets, detail: true },
    );
  }
  return lines;
}

const headings = (locale: Locale) => [t(locale, 'report.heading.indicator'), t(locale, 'report.heading.count'), t(locale, 'report.heading.percent'), t(locale, 'report.heading.previous')];

/** CSV with a byte-order mark, so spreadsheet programs read the Vietnamese letters right. */
export function reportCsv(report: MonthlyReport, locale: Locale, channelName?: ChannelNameOf): string {
  const rows = reportLines(report, locale, channelName).map((line) => [line.detail ? `  ${line.label}` : line.label, line.count, line.percent ?? '', line.previous ?? '']);
  return `\uFEFF${stringify([headings(locale), ...rows])}${stringify([[t(locale, `report.rounding.${report.rounding}`)]])}`;
}

export async function reportXlsx(report: MonthlyReport, locale: Locale, deploymentName: string, channelName?: ChannelNameOf): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = deploymentName;
  book.created = report.generatedAt;
  const sheet = book.addWorksheet(report.month);
  sheet.columns = [{ width: 70 }, { width: 12 }, { width: 12 }, { width: 14 }];
  sheet.addRow([t(locale, 'report.title', { month: report.month, name: deploymentName })]).font = { bold: true, size: 14 };
  sheet.addRow([]);
  sheet.addRow(headings(locale)).font = { bold: true };
  for (const line of reportLines(report, locale, channelName)) {
    const row = sheet.addRow([line.label, line.count, line.percent ?? null, line.previous ?? null]);
    if (line.detail) row.getCell(1).alignment = { indent: 2 };
    else row.font = { bold: true };
    if (line.percent !== undefined) row.getCell(3).numFmt = '0.00';
  }
  sheet.addRow([]);
  sheet.addRow([t(locale, `report.rounding.${report.rounding}`)]).font = { italic: true };
  addLatenessSheets(book, report, locale);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** Late handling by unit and level, and the ticket codes behind each late figure. */
function addLatenessSheets(book: ExcelJS.Workbook, report: { month: string; lateByUnit: UnitLateness[] }, locale: Locale): void {
  const say = (key: MessageKey, params?: Record<string, string | number>) => t(locale, key, params);
  const table = book.addWorksheet(say('report.late.sheet'));
  table.columns = [{ width: 50 }, { width: 8 }, { width: 12 }, { width: 14 }, { width: 14 }, { width: 18 }];
  table.addRow([say('report.late.title', { month: report.month })]).font = { bold: true, size: 13 };
  table.addRow([]);
  table.addRow(['unit', 'level', 'received', 'onTime', 'late', 'openOverdue'].map((key) => say(`report.late.heading.${key}` as MessageKey))).font = { bold: true };
  for (const unit of report.lateByUnit) table.addRow([unit.unitName ?? String(unit.unitId), unit.level, unit.received, unit.onTime, unit.late, unit.openOverdue]);
  const codes = book.addWorksheet(say('report.late.codesSheet'));
  codes.columns = [{ width: 50 }, { width: 8 }, { width: 24 }, { width: 20 }];
  codes.addRow(['unit', 'level', 'kind', 'code'].map((key) => say(`report.late.heading.${key}` as MessageKey))).font = { bold: true };
  for (const unit of report.lateByUnit) {
    const name = unit.unitName ?? String(unit.unitId);
    for (const code of unit.lateCodes) codes.addRow([name, unit.level, say('report.late.heading.late'), code]);
    for (const code of unit.openOverdueCodes) codes.addRow([name, unit.level, say('report.late.heading.openOverdue'), code]);
  }
}

/** The year in one workbook: indicators down, months across with the year's total, then late
 * handling by unit over the year and its ticket codes. */
export async function yearlyXlsx(report: YearlyReport, locale: Locale, deploymentName: string): Promise<Buffer> {
  const say = (key: MessageKey, params?: Record<string, string | number>) => t(locale, key, params);
  const channel = (name: string) => {
    const key = known('channel', name);
    return key ? say(key) : name;
  };
  const book = new ExcelJS.Workbook();
  book.creator = deploymentName;
  book.created = report.generatedAt;
  const sheet = book.addWorksheet(String(report.year));
  sheet.columns = [{ width: 60 }, ...report.months.map(() => ({ width: 10 })), { width: 12 }];
  sheet.addRow([say('report.yearly.title', { year: report.year, name: deploymentName })]).font = { bold: true, size: 14 };
  sheet.addRow([]);
  sheet.addRow([say('report.heading.indicator'), ...report.months.map((m) => m.month.slice(5)), say('report.yearly.total')]).font = { bold: true };
  const row = (label: string, pick: (r: MonthlyReport) => number, total: number, detail = false) => {
    const added = sheet.addRow([label, ...report.months.map(pick), total]);
    if (detail) added.getCell(1).alignment = { indent: 2 };
    else added.font = { bold: true };
  };
  const totals = report.totals;
  row(say('report.calls.total'), (r) => r.calls.total, totals.calls.total);
  row(say('report.calls.in'), (r) => r.calls.in, totals.calls.in, true);
  row(say('report.calls.out'), (r) => r.calls.out, totals.calls.out, true);
  row(say('report.interactions'), (r) => r.interactions.total, totals.interactions.total);
  for (const [name, total] of Object.entries(totals.interactions.byChannel)) row(say('report.interactions.channel', { channel: channel(name) }), (r) => r.interactions.byChannel[name] ?? 0, total, true);
  row(say('report.tickets'), (r) => r.tickets, totals.tickets);
  for (const [name, total] of Object.entries(totals.ticketsByChannel).sort((a, b) => b[1] - a[1])) row(say('report.tickets.channel', { channel: channel(name) }), (r) => r.ticketsByChannel[name] ?? 0, total, true);
  row(say('report.tickets.tthc'), (r) => r.tthcTickets, totals.tthcTickets);
  row(say('report.inProgress'), (r) => r.inProgress, totals.inProgress);
  row(say('report.answered'), (r) => r.answered, totals.answered);
  row(say('report.deadline.onTime'), (r) => r.deadlines.onTime, totals.deadlines.onTime, true);
  row(say('report.deadline.late'), (r) => r.deadlines.late, totals.deadlines.late, true);
  row(say('report.deadline.openOverdue'), (r) => r.deadlines.openOverdue, totals.deadlines.openOverdue, true);
  row(say('report.satisfied'), (r) => r.satisfaction.satisfied.count, totals.satisfaction.satisfied.count);
  row(say('report.notSatisfied'), (r) => r.satisfaction.notSatisfied.count, totals.satisfaction.notSatisfied.count);
  row(say('report.noResponse'), (r) => r.satisfaction.noResponse.count, totals.satisfaction.noResponse.count);
  sheet.addRow([say('report.yearly.satisfiedRate'), ...report.months.map((m) => m.satisfaction.satisfied.percent), totals.satisfaction.satisfied.percent]);
  if (report.care) {
    sheet.addRow([]);
    sheet.addRow([say('report.care.answered'), ...report.months.map(() => null), report.care.answered]).font = { bold: true };
    sheet.addRow([say('report.care.satisfied'), ...report.months.map(() => null), report.care.satisfied.count]);
    sheet.addRow([say('report.care.notSatisfied'), ...report.months.map(() => null), report.care.notSatisfied.count]);
    sheet.addRow([say('report.care.tickets'), ...report.months.map(() => null), report.care.tickets]);
  }
  sheet.addRow([]);
  sheet.addRow([t(locale, `report.rounding.${report.rounding}`)]).font = { italic: true };
  addLatenessSheets(book, { month: String(report.year), lateByUnit: report.lateByUnit }, locale);
  return Buffer.from(await book.xlsx.writeBuffer());
}
