import { useState } from 'react';
import { useI18n } from '../i18n/index.ts';
import type { UnitLateness } from './tickets-api.ts';

/** Late handling by unit and level; a click on a late figure lists the ticket codes behind it. */
export function LateByUnit({ rows, heading }: { rows: UnitLateness[]; heading?: string }) {
  const { t } = useI18n();
  const [shown, setShown] = useState<{ key: string; title: string; codes: string[] } | null>(null);
  const figure = (row: UnitLateness, kind: 'late' | 'openOverdue') => {
    const count = row[kind];
    const codes = kind === 'late' ? row.lateCodes : row.openOverdueCodes;
    const key = `${row.unitId}:${row.level}:${kind}`;
    if (count === 0) return <td>0</td>;
    return (
      <td>
        <button
          type="button"
          className="link figure-link"
          aria-expanded={shown?.key === key}
          onClick={() => setShown(shown?.key === key ? null : { key, title: `${row.unitName ?? ''} · ${t('report.late.level', { level: row.level })} · ${t(`report.late.${kind}`)}`, codes })}
        >
          {count}
        </button>
      </td>
    );
  };
  return (
    <section className="late-by-unit">
      <h3>{heading ?? t('report.late.heading')}</h3>
      <table className="figures late">
        <thead>
          <tr>
            <th>{t('report.late.unit')}</th>
            <th>{t('report.late.levelHeading')}</th>
            <th>{t('report.late.received')}</th>
            <th>{t('report.late.onTime')}</th>
            <th>{t('report.late.late')}</th>
            <th>{t('report.late.openOverdue')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.unitId}:${row.level}`} className={row.late + row.openOverdue > 0 ? 'has-late' : undefined}>
              <th>{row.unitName}</th>
              <td>{row.level}</td>
              <td>{row.received}</td>
              <td>{row.onTime}</td>
              {figure(row, 'late')}
              {figure(row, 'openOverdue')}
            </tr>
          ))}
        </tbody>
      </table>
      {shown && (
        <div className="late-codes" role="region" aria-label={shown.title}>
          <h4>{shown.title}</h4>
          <ul>
            {shown.codes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
