import { useCallback, useEffect, useState } from 'react';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import { navigate } from '../route.ts';
import { careApi, type CampaignResults, type Group } from './care-api.ts';
import { ErrorLine } from '../components/error-line.tsx';

const dimensions = ['byDeskLevel', 'byDesk', 'byUnit', 'byProcedure', 'byMonth'] as const;
type Dimension = (typeof dimensions)[number];

const pct = (n: number, locale: string) => `${n.toLocaleString(locale === 'vi' ? 'vi-VN' : 'en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}%`;

function Breakdown({ groups, dimension }: { groups: Group[]; dimension: Dimension }) {
  const { t, locale } = useI18n();
  const label = (key: string) => (key === '' ? '—' : dimension === 'byDeskLevel' ? t(`care.level.${key}` as MessageKey) : key);
  return groups.length === 0 ? (
    <p className="empty">{t('care.results.noAnswers')}</p>
  ) : (
    <table className="care-table breakdown" data-dimension={dimension}>
      <thead>
        <tr>
          <th>{t(`care.results.${dimension}` as MessageKey)}</th>
          <th>{t('care.results.responses')}</th>
          <th>{t('care.option.satisfied')}</th>
          <th>{t('care.option.neutral')}</th>
          <th>{t('care.option.not_satisfied')}</th>
          <th>{t('care.results.satisfiedPercent')}</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => (
          <tr key={g.key}>
            <td>{label(g.key)}</td>
            <td className="num">{g.responses}</td>
            <td className="num">{g.satisfied}</td>
            <td className="num">{g.neutral}</td>
            <td className="num">{g.notSatisfied}</td>
            <td className="num">{pct(g.satisfiedPercent, locale)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A campaign's results: response and reach, satisfaction overall and by desk, unit, procedure and
 * month, the means of the scale questions, what citizens said, and a ticket from any answer.
 */
export function ResultsPanel({ campaignId }: { campaignId: number }) {
  const { t, locale } = useI18n();
  const [results, setResults] = useState<CampaignResults | null>(null);
  const [dimension, setDimension] = useState<Dimension>('byUnit');
  const [made, setMade] = useState<{ id: number; code: string; forwarded: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);

  const load = useCallback(() => careApi.results(campaignId).then(setResults, (e: unknown) => setError(e instanceof Error ? e.message : String(e))), [campaignId]);
  useEffect(() => void load(), [load]);

  async function ticket(targetId: number) {
    setBusy(targetId);
    setError(null);
    try {
      const created = await careApi.toTicket(targetId);
      setMade({ id: created.ticketId, code: created.code, forwarded: created.forwardedTo !== null });
      await load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  }

  const ticketCell = (targetId: number, ticketId: number | null) =>
    ticketId !== null ? (
      <a
        href={`/inbox/tickets/${ticketId}`}
        className="ticket-link"
        onClick={(e) => {
          e.preventDefault();
          navigate({ name: 'tickets', id: ticketId });
        }}
      >
        {t('care.results.ticketOpened')}
      </a>
    ) : (
      <button type="button" className="ghost" disabled={busy !== null} data-ticket-for={targetId} onClick={() => void ticket(targetId)}>
        {t('care.results.toTicket')}
      </button>
    );

  if (!results) return <section className="results">{error ? <p className="error">{error}</p> : <p className="loading">{t('app.loading')}</p>}</section>;
  const figures: Array<[string, string]> = [
    ['sample', String(results.sample)],
    ['notified', String(results.notified)],
    ['reached', String(results.reached)],
    ['completed', String(results.completed)],
    ['responseRate', pct(results.responseRate, locale)],
    ['reachRate', pct(results.reachRate, locale)],
    ['satisfiedPercent', pct(results.satisfaction.satisfiedPercent, locale)],
  ];
  return (
    <section className="results" aria-label={t('care.results.title')}>
      <div className="results-head">
        <h3>{t('care.results.title')}</h3>
        <a href={careApi.resultsXlsxUrl(campaignId)} download>
          {t('care.results.xlsx')}
        </a>
        <button type="button" className="ghost" onClick={() => void load()}>
          {t('care.refresh')}
        </button>
      </div>
      <dl className="figures">
        {figures.map(([key, value]) => (
          <div key={key}>
            <dt>{t(`care.results.${key}` as MessageKey)}</dt>
            <dd data-figure={key}>{value}</dd>
          </div>
        ))}
      </dl>
      <p className="hint">
        {Object.entries(results.byStatus)
          .map(([status, n]) => `${t(`care.status.${status}` as MessageKey)}: ${n}`)
          .join(' · ')}
      </p>
      {made && (
        <p role="status" className="done">
          {t(made.forwarded ? 'care.results.ticketForwarded' : 'care.results.ticketMade', { code: made.code })}{' '}
          <a
            href={`/inbox/tickets/${made.id}`}
            onClick={(e) => {
              e.preventDefault();
              navigate({ name: 'tickets', id: made.id });
            }}
          >
            {t('care.results.openTicket')}
          </a>
        </p>
      )}
      <ErrorLine message={error} />
      <h4>{t('care.results.notSatisfied', { count: results.notSatisfied.length })}</h4>
      {results.notSatisfied.length > 0 && (
        <table className="care-table not-satisfied">
          <thead>
            <tr>
              <th>{t('care.dossier.code')}</th>
              <th>{t('care.dossier.procedure')}</th>
              <th>{t('care.dossier.desk')}</th>
              <th>{t('care.dossier.unit')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {results.notSatisfied.map((r) => (
              <tr key={r.targetId} data-target={r.targetId}>
                <td>{r.code}</td>
                <td>{r.procedure ?? '—'}</td>
                <td>{r.desk ?? '—'}</td>
                <td>{r.unit ?? '—'}</td>
                <td>{ticketCell(r.targetId, r.ticketId)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>{t('care.results.texts')}</h4>
      {results.texts.length === 0 ? (
        <p className="empty">{t('care.results.noTexts')}</p>
      ) : (
        <ul className="answer-texts">
          {results.texts.map((x, i) => (
            <li key={i} data-target={x.targetId} className={x.satisfaction === 'not_satisfied' ? 'not-satisfied' : ''}>
              <span className="question">{x.label}</span>
              <q>{x.text}</q>
              <small>
                {x.code} · {x.unit ?? x.desk ?? ''}
                {x.satisfaction ? ` · ${t(`care.option.${x.satisfaction}` as MessageKey)}` : ''}
              </small>
              {ticketCell(x.targetId, x.ticketId)}
            </li>
          ))}
        </ul>
      )}
      <h4>{t('care.results.breakdowns')}</h4>
      <div className="dimension-tabs" role="tablist">
        {dimensions.map((d) => (
          <button key={d} type="button" role="tab" aria-selected={dimension === d} className={dimension === d ? 'active' : 'ghost'} onClick={() => setDimension(d)}>
            {t(`care.results.${d}` as MessageKey)}
          </button>
        ))}
      </div>
      <Breakdown groups={results[dimension]} dimension={dimension} />
      {results.byQuestion.length > 0 && (
        <table className="care-table by-question">
          <caption>{t('care.results.byQuestion')}</caption>
          <thead>
            <tr>
              <th>{t('care.results.question')}</th>
              <th>{t('care.results.responses')}</th>
              <th>{t('care.results.mean')}</th>
              <th>{t('care.results.satisfiedPercent')}</th>
            </tr>
          </thead>
          <tbody>
            {results.byQuestion.map((q) => (
              <tr key={q.key}>
                <td>{q.label}</td>
                <td className="num">{q.answers}</td>
                <td className="num">{q.mean === null ? '—' : q.mean.toLocaleString(locale === 'vi' ? 'vi-VN' : 'en-GB')}</td>
                <td className="num">{pct(q.satisfiedPercent, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
