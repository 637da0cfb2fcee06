import { useCallback, useEffect, useState } from 'react';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import { careApi, type TargetCard } from './care-api.ts';
import { InterviewCard } from './interview.tsx';
import { ErrorLine } from '../components/error-line.tsx';

/**
 * A field interviewer's home visits on the phone they carry: the list of visits assigned to them,
 * one opened at a time with the questionnaire; a recorded visit leaves the list.
 */
export function VisitsView() {
  const { t } = useI18n();
  const [visits, setVisits] = useState<TargetCard[] | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setVisits((await careApi.visits()).items);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => void load(), [load]);

  return (
    <div className="care-visits">
      <h2>{t('care.visits.title')}</h2>
      {done && (
        <p className="done" role="status">
          {done}
        </p>
      )}
      <ErrorLine message={error} />
      {visits === null ? (
        <p className="loading">{t('app.loading')}</p>
      ) : visits.length === 0 ? (
        <p className="empty">{t('care.visits.none')}</p>
      ) : (
        <ul className="visit-list">
          {visits.map((v) => (
            <li key={v.id} className={open === v.id ? 'open' : ''}>
              <button type="button" className="visit-head" aria-expanded={open === v.id} onClick={() => setOpen(open === v.id ? null : v.id)}>
                <strong>{v.dossier.applicantName ?? t('care.noName')}</strong>
                <small>
                  {v.dossier.code} · {v.dossier.desk ?? ''}
                  {v.attempts ? ` · ${t('care.visits.tried', { count: v.attempts })}` : ''}
                </small>
              </button>
              {open === v.id && (
                <InterviewCard
                  card={v}
                  onRecorded={(recorded, outcome) => {
                    setOpen(null);
                    setDone(t('care.recorded', { code: recorded.dossier.code, outcome: t(`care.outcome.${outcome}` as MessageKey) }));
                    void load();
                  }}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
