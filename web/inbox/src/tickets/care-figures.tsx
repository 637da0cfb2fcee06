import { useI18n, type MessageKey } from '../i18n/index.ts';
import type { MonthlyReport } from './tickets-api.ts';

/** The customer-care section of a report (a month's or a year's): calls, visits, answers, satisfaction. */
export function CareFigures({ care, figure }: { care: NonNullable<MonthlyReport['care']>; figure: string }) {
  const { t } = useI18n();
  const num = (n: number) => n.toLocaleString('vi-VN');
  const pct = (n: number) => `${n.toLocaleString('vi-VN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}%`;
  // label, count, share, and the name tests read the figure by (only the headline ones have one)
  const rows: Array<[MessageKey, number, number | null, string | null]> = [
    ['report.care.answered', care.answered, null, 'answered'],
    ['report.care.calls', care.calls, null, null],
    ['report.care.visits', care.visits, null, null],
    ['tickets.satisfaction.satisfied', care.satisfied.count, care.satisfied.percent, 'satisfied'],
    ['tickets.satisfaction.not_satisfied', care.notSatisfied.count, care.notSatisfied.percent, null],
    ['report.care.tickets', care.tickets, null, null],
  ];
  return (
    <>
      <h2>{t('report.care')}</h2>
      <table className="figures">
        <tbody>
          {rows.map(([label, count, share, name], i) => (
            <tr key={label} className={i === 0 ? undefined : 'sub'}>
              <th>{t(label)}</th>
              <td data-figure={name ? `${figure}-${name}` : undefined}>{num(count)}</td>
              <td>{share === null ? null : pct(share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
