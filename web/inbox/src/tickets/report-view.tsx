import { ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef, useState } from 'react';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import { ticketsApi, type MonthlyReport } from './tickets-api.ts';
import { LateByUnit } from './late-by-unit.tsx';
import { CareFigures } from './care-figures.tsx';
import { YearlyReportView } from './yearly-report-view.tsx';
import { ErrorLine } from '../components/error-line.tsx';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Legend, Tooltip);

/** Last month in the hotline's calendar: the report people print at the start of a month. */
function lastMonth(): string {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

function BarChart({ labels, values, label }: { labels: string[]; values: number[]; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: { labels, datasets: [{ label, data: values, backgroundColor: '#b71c1c' }] },
      // No animation: the printed page shows the bars even when printing starts at once.
      options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } } },
    });
    return () => chart.destroy();
  }, [labels, values, label]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

function Doughnut({ labels, values, label }: { labels: string[]; values: number[]; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'doughnut',
      data: { labels, datasets: [{ data: values, backgroundColor: ['#2e7d32', '#c62828', '#9e9e9e'] }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false },
    });
    return () => chart.destroy();
  }, [labels, values]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

/** The monthly report on screen and on paper (the print stylesheet hides the app around it). */
export function ReportView() {
  const { t } = useI18n();
  const [mode, setMode] = useState<'month' | 'year'>('month');
  const [month, setMonth] = useState(lastMonth);
  const [year, setYear] = useState(() => Number(lastMonth().slice(0, 4)));
  const [report, setReport] = useState<MonthlyReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (mode !== 'month') return;
    setReport(null);
    ticketsApi.report(month).then(setReport, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [month, mode]);

  const channel = (name: string) => t(`channel.${name}` as MessageKey);
  const num = (n: number) => n.toLocaleString('vi-VN');
  const pct = (n: number) => `${n.toLocaleString('vi-VN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}%`;
  const change = (n: number) => (n > 0 ? `+${num(n)}` : num(n));

  return (
    <main className="report">
      <div className="report-tools no-print">
        <div className="report-mode" role="tablist">
          {(['month', 'year'] as const).map((m) => (
            <button key={m} type="button" role="tab" aria-selected={mode === m} className={mode === m ? '' : 'ghost'} onClick={() => setMode(m)}>
              {t(`report.mode.${m}`)}
            </button>
          ))}
        </div>
        {mode === 'month' ? (
          <>
            <label>
              {t('report.month')} <input type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} />
            </label>
            <a href={`/api/v1/reports/monthly?month=${month}&format=csv`} download>
              {t('report.csv')}
            </a>
            <a href={`/api/v1/reports/monthly?month=${month}&format=xlsx`} download>
              {t('report.xlsx')}
            </a>
          </>
        ) : (
          <>
            <label>
              {t('report.year')}{' '}
              <input type="number" name="year" min={2000} max={2100} value={year} onChange={(e) => Number(e.target.value) >= 2000 && Number(e.target.value) <= 2100 && setYear(Number(e.target.value))} />
            </label>
            <a href={`/api/v1/reports/yearly?year=${year}&format=xlsx`} download>
              {t('report.xlsx')}
            </a>
          </>
        )}
        <button onClick={() => window.print()}>{t('report.print')}</button>
      </div>
      {mode === 'year' && <YearlyReportView year={year} />}
      <ErrorLine message={mode === 'month' ? error : null} />
      {mode === 'month' && report && (
        <article className="report-page">
          <h1>
            {t('report.title')} {report.month}
          </h1>
          <table className="figures">
            <thead>
              <tr>
                <th />
                <th>{report.month}</th>
                <th>{t('report.previous')}</th>
                <th>{t('report.change')}</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th>{t('report.calls')}</th>
                <td data-figure="calls">{num(report.calls.total)}</td>
                <td>{num(report.previous.calls.total)}</td>
                <td>{change(report.change.calls)}</td>
              </tr>
              <tr className="sub">
                <th>{t('report.callsIn')}</th>
                <td data-figure="calls-in">{num(report.calls.in)}</td>
                <td>{num(report.previous.calls.in)}</td>
                <td />
              </tr>
              <tr className="sub">
                <th>{t('report.callsOut')}</th>
                <td data-figure="calls-out">{num(report.calls.out)}</td>
                <td>{num(report.previous.calls.out)}</td>
                <td />
              </tr>
              <tr>
                <th>{t('report.interactions')}</th>
                <td data-figure="interactions">{num(report.interactions.total)}</td>
                <td>{num(report.previous.interactions.total)}</td>
                <td>{change(report.change.interactions)}</td>
              </tr>
              <tr>
                <th>{t('report.tickets')}</th>
                <td data-figure="tickets">{num(report.tickets)}</td>
                <td>{num(report.previous.tickets)}</td>
                <td>{change(report.change.tickets)}</td>
              </tr>
              <tr className="sub">
                <th>{t('report.tthc')}</th>
                <td data-figure="tthc">{num(report.tthcTickets)}</td>
                <td>{num(report.previous.tthcTickets)}</td>
                <td />
              </tr>
              <tr>
                <th>{t('report.inProgress')}</th>
                <td data-figure="in-progress">{num(report.inProgress)}</td>
                <td />
                <td />
              </tr>
              <tr>
                <th>{t('report.answered')}</th>
                <td data-figure="answered">{num(report.answered)}</td>
                <td />
                <td />
              </tr>
              <tr className="sub">
                <th>{t('report.onTime')}</th>
                <td>{num(report.deadlines.onTime)}</td>
                <td />
                <td />
              </tr>
              <tr className="sub">
                <th>{t('report.late')}</th>
                <td>{num(report.deadlines.late + report.deadlines.openOverdue)}</td>
                <td />
                <td />
              </tr>
            </tbody>
          </table>
          <h2>{t('report.satisfaction', { base: num(report.satisfaction.base) })}</h2>
          <table className="figures">
            <tbody>
              {(
                [
                  ['satisfied', report.satisfaction.satisfied],
                  ['not_satisfied', report.satisfaction.notSatisfied],
                  ['no_response', report.satisfaction.noResponse],
                ] as const
              ).map(([key, rate]) => (
                <tr key={key}>
                  <th>{t(`tickets.satisfaction.${key}`)}</th>
                  <td data-figure={`satisfaction-${key}`}>{num(rate.count)}</td>
                  <td data-figure={`rate-${key}`}>{pct(rate.percent)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="note">{t(`report.rounding.${report.rounding}`)}</p>
          {report.care && <CareFigures care={report.care} figure="care" />}
          <div className="charts">
            <section>
              <h3>{t('report.byChannel')}</h3>
              <BarChart label={t('report.byChannel')} labels={Object.keys(report.ticketsByChannel).map(channel)} values={Object.values(report.ticketsByChannel)} />
            </section>
            <section>
              <h3>{t('report.satisfaction', { base: num(report.satisfaction.base) })}</h3>
              <Doughnut
                label={t('report.satisfaction', { base: num(report.satisfaction.base) })}
                labels={[t('tickets.satisfaction.satisfied'), t('tickets.satisfaction.not_satisfied'), t('tickets.satisfaction.no_response')]}
                values={[report.satisfaction.satisfied.count, report.satisfaction.notSatisfied.count, report.satisfaction.noResponse.count]}
              />
            </section>
            <section>
              <h3>{t('report.byType')}</h3>
              <BarChart label={t('report.byType')} labels={Object.keys(report.byType).map((k) => t(`tickets.type.${k}` as MessageKey))} values={Object.values(report.byType)} />
            </section>
            <section>
              <h3>{t('report.byLevel')}</h3>
              <BarChart label={t('report.byLevel')} labels={Object.keys(report.byLevel).map((k) => t(`tickets.level.${k}` as MessageKey))} values={Object.values(report.byLevel)} />
            </section>
          </div>
          {report.lateByUnit.length > 0 && <LateByUnit rows={report.lateByUnit} />}
          {report.byUnit.some((u) => u.unitId !== null) && (
            <>
              <h3>{t('report.byUnit')}</h3>
              <table className="figures">
                <tbody>
                  {report.byUnit
                    .filter((u) => u.unitId !== null)
                    .map((u) => (
                      <tr key={u.unitId}>
                        <th>{u.unitName}</th>
                        <td>{num(u.count)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </>
          )}
        </article>
      )}
    </main>
  );
}
