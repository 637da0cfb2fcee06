import { useCallback, useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/index.ts';
import { careApi, dayText, phoneText, type DossierRow, type DossierSearch } from './care-api.ts';
import { ErrorLine } from '../components/error-line.tsx';

const emptyForm = { q: '', status: '', finishedFrom: '', finishedTo: '' };

/**
 * The supervisors' look at what the imports brought: newest first, found by code, applicant name
 * (accents optional) or phone, by status and finishing days; "more" appends the next page.
 */
export function DossiersView() {
  const { t } = useI18n();
  const [form, setForm] = useState(emptyForm);
  /** The search the rows shown answer; "more" pages on with it, not with what is typed since. */
  const [search, setSearch] = useState<DossierSearch>({});
  const [rows, setRows] = useState<DossierRow[] | null>(null);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [statuses, setStatuses] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Only the latest request may fill the table: an older answer arriving late is dropped.
  const latest = useRef(0);

  const load = useCallback(async (next: DossierSearch, before?: number) => {
    const ticket = ++latest.current;
    setBusy(true);
    setError(null);
    try {
      const page = await careApi.dossiers(next, before === undefined ? {} : { before });
      if (ticket !== latest.current) return;
      setSearch(next);
      setRows((shown) => (before === undefined || shown === null ? page.items : [...shown, ...page.items]));
      setNextBefore(page.nextBefore);
      setStatuses((seen) => {
        const more = page.items.map((d) => d.status).filter((s): s is string => !!s && !seen.includes(s));
        return more.length ? [...seen, ...new Set(more)].sort() : seen;
      });
    } catch (err) {
      if (ticket === latest.current) setError(err instanceof Error ? err.message : String(err));
    } finally {
      if (ticket === latest.current) setBusy(false);
    }
  }, []);
  useEffect(() => void load({}), [load]);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const q = form.q.trim();
    // The server wants two characters at least: one would find nearly everything anyway.
    if (q.length === 1) {
      setError(t('care.dossiers.qTooShort'));
      return;
    }
    const next: DossierSearch = {};
    if (q) next.q = q;
    if (form.status.trim()) next.status = form.status.trim();
    if (form.finishedFrom) next.finishedFrom = form.finishedFrom;
    if (form.finishedTo) next.finishedTo = form.finishedTo;
    void load(next);
  }

  const field = (name: keyof typeof emptyForm) => ({ name, value: form[name], onChange: (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [name]: e.target.value }) });

  return (
    <div className="care-dossiers">
      <h2>{t('care.dossiers.title')}</h2>
      <p className="hint">{t('care.dossiers.hint')}</p>
      <form className="dossier-search" role="search" onSubmit={submit}>
        <label className="wide">
          {t('care.dossiers.q')}
          <input type="search" maxLength={200} {...field('q')} />
        </label>
        <label>
          {t('care.dossiers.status')}
          <input list="dossier-statuses" maxLength={100} placeholder={t('care.dossiers.anyStatus')} {...field('status')} />
          <datalist id="dossier-statuses">
            {statuses.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </label>
        <label>
          {t('care.dossiers.finishedFrom')}
          <input type="date" {...field('finishedFrom')} />
        </label>
        <label>
          {t('care.dossiers.finishedTo')}
          <input type="date" {...field('finishedTo')} />
        </label>
        <button className="primary" type="submit" disabled={busy}>
          {t('care.dossiers.search')}
        </button>
      </form>
      <ErrorLine message={error} />
      {rows === null ? (
        busy && <p className="loading">{t('app.loading')}</p>
      ) : rows.length === 0 ? (
        <p className="empty" role="status">
          {t('care.dossiers.none')}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="care-table dossiers">
            <caption>{t('care.dossiers.shown', { count: rows.length })}</caption>
            <thead>
              <tr>
                <th>{t('care.dossier.code')}</th>
                <th>{t('care.dossier.procedure')}</th>
                <th>{t('care.dossier.unit')}</th>
                <th>{t('care.dossiers.applicant')}</th>
                <th>{t('care.dossiers.phone')}</th>
                <th>{t('care.dossiers.finishedAt')}</th>
                <th>{t('care.dossiers.status')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id} data-code={d.code}>
                  <td>{d.code}</td>
                  <td>{d.procedure ?? ''}</td>
                  <td>{d.unit ?? ''}</td>
                  <td>{d.applicantName ?? ''}</td>
                  <td className="phone">{phoneText(d.applicantPhone)}</td>
                  <td>{d.finishedAt ? <time dateTime={d.finishedAt}>{dayText(d.finishedAt)}</time> : ''}</td>
                  <td>{d.status ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows !== null && nextBefore !== null && (
        <button type="button" className="more" disabled={busy} onClick={() => void load(search, nextBefore)}>
          {t('care.dossiers.more')}
        </button>
      )}
    </div>
  );
}
