import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, type KnowledgeEntry, type KnowledgeSummary } from '../../api.ts';
import { fold } from '../../format.ts';
import { useI18n } from '../../i18n/index.ts';

/** The knowledge base the bot answers from: find an entry, read it in full, reload the files. */
export function KnowledgeAdmin({ canReload }: { canReload: boolean }) {
  const { t } = useI18n();
  const [entries, setEntries] = useState<KnowledgeSummary[]>([]);
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState<KnowledgeEntry | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => api.knowledgeBase().then(setEntries), []);
  useEffect(() => void load().catch(() => undefined), [load]);

  const shown = useMemo(() => {
    const q = fold(filter.trim());
    return q ? entries.filter((e) => fold(`${e.title} ${e.fieldName} ${e.id}`).includes(q)) : entries;
  }, [entries, filter]);

  const reload = async () => {
    setError(null);
    try {
      const result = await api.reloadKnowledgeBase();
      setNotice(result.reloaded ? t('admin.kb.reloaded', { count: result.entries }) : t('admin.kb.notReloaded', { count: result.entries }));
      await load();
    } catch (e) {
      setError(t('app.error', { detail: e instanceof Error ? e.message : String(e) }));
    }
  };

  return (
    <div className="kb">
      <div className="kb-bar">
        <input type="search" aria-label={t('admin.kb.filter')} placeholder={t('admin.kb.filter')} value={filter} onChange={(e) => setFilter(e.target.value)} />
        <span className="hint">{t('admin.kb.count', { count: shown.length, total: entries.length })}</span>
        {canReload && (
          <button type="button" onClick={() => void reload()}>
            {t('admin.kb.reload')}
          </button>
        )}
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="kb-panes">
        <ul className="kb-list">
          {shown.map((e) => (
            <li key={e.id} aria-current={open?.id === e.id}>
              <button type="button" className="link" onClick={() => void api.knowledgeEntry(e.id).then(setOpen).catch(() => undefined)}>
                {e.title}
              </button>
              <span className="meta">
                {e.fieldName} · {e.reviewed ? t('admin.kb.reviewed') : t('admin.kb.notReviewed')}
              </span>
            </li>
          ))}
        </ul>
        {open && (
          <article className="kb-entry" aria-label={open.title}>
            <h3>{open.title}</h3>
            <p className="meta">
              <code>{open.id}</code> · {open.fieldName} · {t('admin.kb.team')}: {open.team} · {t('admin.kb.level')}: {open.level} · {open.reviewed ? t('admin.kb.reviewed') : t('admin.kb.notReviewed')} ({open.lastReviewed})
            </p>
            <h4>{t('admin.kb.answer')}</h4>
            <p className="pre">{open.answer}</p>
            {open.documents && open.documents.length > 0 && (
              <>
                <h4>{t('admin.kb.documents')}</h4>
                <ul>
                  {open.documents.map((d, i) => (
                    <li key={i}>{d}</li>
                  ))}
                </ul>
              </>
            )}
            {open.where && <p>{t('admin.kb.where', { where: open.where })}</p>}
            {open.processingTime && <p>{t('admin.kb.time', { time: open.processingTime })}</p>}
            {open.fee && <p>{t('admin.kb.fee', { fee: open.fee })}</p>}
            <h4>{t('admin.kb.questions')}</h4>
            <ul>
              {open.questions.map((q, i) => (
                <li key={i}>{q}</li>
              ))}
            </ul>
            {open.legalBasis.length > 0 && (
              <>
                <h4>{t('admin.kb.legal')}</h4>
                <ul>
                  {open.legalBasis.map((l, i) => (
                    <li key={i}>{l}</li>
                  ))}
                </ul>
              </>
            )}
          </article>
        )}
      </div>
    </div>
  );
}
