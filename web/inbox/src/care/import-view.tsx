import { useEffect, useState } from 'react';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import { careApi, importReason, type ImportResult } from './care-api.ts';
import { ErrorLine } from '../components/error-line.tsx';
import { navigate } from '../route.ts';

/**
 * The supervisors' dossier import: the one-stop system's export (CSV or XLSX) under a mapping
 * name, so the next file of the same system is read the same way; bad rows are listed by line.
 */
export function ImportView() {
  const { t } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [mapping, setMapping] = useState('mot-cua');
  const [known, setKnown] = useState<string[]>([]);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    careApi.mappings().then((m) => setKnown(m.items.map((x) => x.name)), () => undefined);
  }, []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await careApi.importDossiers(file, mapping.trim()));
      if (!known.includes(mapping.trim())) setKnown([...known, mapping.trim()]);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const reasonText = (reason: string) => {
    const known = importReason(reason);
    if (!known) return reason;
    const params = known.key === 'badDate' ? { ...known.params, field: t(`care.import.field.${known.params.field}` as MessageKey) } : known.params;
    return t(`care.import.reason.${known.key}` as MessageKey, params);
  };

  return (
    <div className="care-import">
      <h2>{t('care.import.title')}</h2>
      <p className="hint">{t('care.import.hint')}</p>
      <form className="care-form" onSubmit={(e) => void submit(e)}>
        <label>
          {t('care.import.file')}
          <input type="file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          {t('care.import.mapping')}
          <input name="mapping" list="care-mappings" value={mapping} onChange={(e) => setMapping(e.target.value)} />
          <datalist id="care-mappings">
            {known.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
          <small className="hint">{t('care.import.mappingHint')}</small>
        </label>
        <button className="primary" disabled={busy || !file}>
          {busy ? t('care.import.busy') : t('care.import.submit')}
        </button>
      </form>
      <ErrorLine message={error} />
      {result && (
        <section className="import-result" role="status">
          <p>{t('care.import.summary', { rows: result.rows, inserted: result.inserted, updated: result.updated, errors: result.errors.length, mapping: result.mappingName })}</p>
          <p>
            <a
              href="/inbox/care/dossiers"
              onClick={(e) => {
                e.preventDefault();
                navigate({ name: 'care', section: 'dossiers', id: null });
              }}
            >
              {t('care.import.viewDossiers')}
            </a>
          </p>
          {result.errors.length > 0 && (
            <table className="care-table bad-rows">
              <caption>{t('care.import.badRows')}</caption>
              <thead>
                <tr>
                  <th>{t('care.import.line')}</th>
                  <th>{t('care.dossier.code')}</th>
                  <th>{t('care.import.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {result.errors.map((row) => (
                  <tr key={row.line} data-line={row.line}>
                    <td className="num">{row.line}</td>
                    <td>{row.code ?? '—'}</td>
                    <td>{reasonText(row.reason)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </div>
  );
}
