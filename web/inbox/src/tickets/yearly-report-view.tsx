import { useEffect, useState } from 'react';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import { ticketsApi, type MonthlyReport, type YearlyReport } from './tickets-api.ts';
import { ErrorLine } from '../components/error-line.tsx';
import { LateByUnit } from './late-by-unit.tsx';
import { CareFigures } from './care-figures.tsx';

type Totals = YearlyReport['totals'];
/** One line of the year: its label, the month's figure and the year's. */
interface Row {
  key: string;
  label: string;
  month: (r: MonthlyReport) => number;
  total: number;
  detail?: boolean;
  percent?: boolean;
}

function rowsOf(totals: Totals, t: (key: MessageKey, params?: Record<string, string | number>) => string): Row[] {
  const channel = (name: string) => t(`channel.${name}` as MessageKey);
  return [
    { key: 'calls', label: t('report.calls'), month: (r) => r.calls.total, total: totals.calls.total },
    { key: 'calls-in', label: t('report.callsIn'), month: (r) => r.calls.in, total: totals.calls.in, detail: true },
    { key: 'calls-out', label: t('report.callsOut'), month: (r) => r.calls.out, total: totals.calls.out, detail: true },
    { key: 'interactions', label: t('report.interactions'), month: (r) => r.interactions.total, total: totals.interactions.total },
    ...Object.entries(totals.interactions.byChannel).map(([name, total]) => ({ key: `interactions-${name}`, label: channel(name), month: (r: MonthlyReport) => r.interactions.byChannel[name] ?? 0, total, detail: true })),
    { key: 'tickets', label: t('report.tickets'), month: (r) => r.tickets, total: totals.tickets },
    ...Object.entries(totals.ticketsByChannel)
      .sort((a, b) => b[1] - a[1])
      .map(([name, total]) => ({ key: `tickets-${name}`, label: channel(name), month: (r: MonthlyReport) => r.ticketsByChannel[name] ?? 0, total, detail: true })),
    { key: 'tthc', label: t('report.tthc'), month: (r) => r.tthcTickets, total: totals.tthcTickets },
    { key: 'in-progress', label: t('report.inProgress'), month: (r) => r.inProgress, total: totals.inProgress },
    { key: 'answered', label: t('report.answered'), month: (r) => r.answered, total: totals.answered },
    { key: 'on-time', label: t('report.onTime'), month: (r) => r.deadlines.onTime, total: totals.deadlines.onTime, detail: true },
    { key: 'late', label: t('report.late'), month: (r) => r.deadlines.late, total: totals.deadlines.late, detail: true },
    { key: 'open-overdue', label: t('report.openOverdue'), month: (r) => r.deadlines.openOverdue, total: totals.deadlines.openOverdue, detail: true },
    { key: 'satisfied', label: t('tickets.satisfaction.satisfied'), month: (r) => r.satisfaction.satisfied.count, total: totals.satisfaction.satisfied.count },
    { key: 'not-satisfied', label: t('tickets.satisfaction.not_satisfied'), month: (r) => r.satisfaction.notSatisfied.count, total: totals.satisfaction.notSatisfied.count },
    { key: 'no-response', label: t('tickets.satisfaction.no_response'), month: (r) => r.satisfaction.noResponse.count, total: totals.satisfaction.noResponse.count },
    { key: 'satisfied-rate', label: t('report.yearly.satisfiedRate'), month: (r) => r.satisfaction.satisfied.percent, total: totals.satisfaction.satisfied.percent, percent: true },
  ];
}

/** The year on screen: the months side by side with the monthly report's sections, then the year's care and lateness. */
export function YearlyReportView({ year }: { year: number }) {
  const { t } = useI18n();
  const [report, setReport] = useState<YearlyReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setReport(null);
    setError(null);
    ticketsApi.yearly(year).then(setReport, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [year]);

  const num = (n: number) => n.toLocaleString('vi-VN');
  const pct = (n: number) => n.toLocaleString('vi-VN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  if (!report) return <ErrorLine message={error} />;
  return (
    <article className="report-page yearly">
      <h1>{t('report.yearly.title', { year: report.year })}</h1>
      <div className="yearly-table">
        <table>
          <thead>
            <tr>
              <th />
              {report.months.map((m) => (
                <th key={m.month} scope="col">
                  {m.month.slice(5)}
                </th>
              ))}
              <th scope="col" className="total">
                {t('report.yearly.total')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rowsOf(report.totals, t).map((row) => (
              <tr key={row.key} data-row={row.key} className={row.detail ? 'sub' : undefined}>
                <th scope="row">{row.label}</th>
                {report.months.map((m) => (
                  <td key={m.month} data-month={m.month}>
                    {row.percent ? pct(row.month(m)) : num(row.month(m))}
                  </td>
                ))}
                <td className="total" data-total="">
                  {row.percent ? pct(row.total) : num(row.total)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="note">{t(`report.rounding.${report.rounding}`)}</p>
      {report.care && <CareFigures care={report.care} figure="year-care" />}
      {report.lateByUnit.length > 0 && <LateByUnit rows={report.lateByUnit} heading={t('report.yearly.late')} />}
    </article>
  );
}
