import { useI18n } from '../i18n/index.ts';
import type { MonthlyReport } from './tickets-api.ts';

/** The customer-care section of a report (a month's or a year's): calls, visits, answers, satisfaction. */
export function CareFigures({ care, figure }: { care: NonNullable<MonthlyReport['care']>; figure: string }) {
  const { t } = useI18n();
  const num = (n: number) => n.toLocaleString('vi-VN');
  const pct = (n: number) => `${n.toLocaleString('vi-VN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}%`;
  return (
    <>
      <h2>{t('report.care')}</h2>
      <table className="figures">
        <tbody>
          <tr>
            <th>{t('report.care.answered')}</th>
            <td data-figure={`${figure}-answered`}>{num(care.answered)}</td>
            <td />
          </tr>
          <tr className="sub">
            <th>{t('report.care.calls')}</th>
            <td>{num(care.calls)}</td>
            <td />
          </tr>
          <tr className="sub">
            <th>{t('report.care.visits')}</th>
            <td>{num(care.visits)}</td>
            <td />
          </tr>
          <tr className="sub">
            <th>{t('tickets.satisfaction.satisfied')}</th>
            <td data-figure={`${figure}-satisfied`}>{num(care.satisfied.count)}</td>
            <td>{pct(care.satisfied.percent)}</td>
          </tr>
          <tr className="sub">
            <th>{t('tickets.satisfaction.not_satisfied')}</th>
            <td>{num(care.notSatisfied.count)}</td>
            <td>{pct(care.notSatisfied.percent)}</td>
          </tr>
          <tr className="sub">
            <th>{t('report.care.tickets')}</th>
            <td>{num(care.tickets)}</td>
            <td />
          </tr>
        </tbody>
      </table>
    </>
  );
}
