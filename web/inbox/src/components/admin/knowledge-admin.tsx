import type { FormEvent } from 'react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, type KnowledgeEntry, type KnowledgeSummary } from '../../api.ts';
import { fold } from '../../format.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorLine } from '../error-line.tsx';

/** The knowledge base the bot answers from: find an entry, read it in full, reload the files;
 * admins edit or add entries, and the bot answers from the change at once. */
export function KnowledgeAdmin({ canReload }: { canReload: boolean }) {
  const [editing, setEditing] = useState<Partial<KnowledgeEntry> | null>(null);
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
      {editing && (
        <EntryForm
          entry={editing}
          onCancel={() => setEditing(null)}
          onSaved={(id) => {
            setEditing(null);
            setNotice(t('admin.kb.saved'));
            void load();
            void api.knowledgeEntry(id).then(setOpen);
          }}
        />
      )}
      <div className="kb-bar">
        <input type="search" aria-label={t('admin.kb.filter')} placeholder={t('admin.kb.filter')} value={filter} onChange={(e) => setFilter(e.target.value)} />
        <span className="hint">{t('admin.kb.count', { count: shown.length, total: entries.length })}</span>
        <span className="hint kb-review-count" role="status">
          {t('admin.kb.reviewCount', { unreviewed: entries.filter((e) => e.reviewState === 'unreviewed').length, overdue: entries.filter((e) => e.reviewState === 'overdue').length })}
        </span>
        {canReload && (
          <button type="button" className="ghost" onClick={() => setEditing({ questions: [], keywords: [], reviewed: false })}>
            {t('admin.kb.new')}
          </button>
        )}
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
      <ErrorLine message={error} />
      <div className="kb-panes">
        <ul className="kb-list">
          {shown.map((e) => (
            <li key={e.id} aria-current={open?.id === e.id}>
              <button type="button" className="link" onClick={() => void api.knowledgeEntry(e.id).then(setOpen).catch(() => undefined)}>
                {e.title}
              </button>
              <span className="meta">
                {e.fieldName} · <ReviewChip state={e.reviewState} />
              </span>
            </li>
          ))}
        </ul>
        {open && (
          <article className="kb-entry" aria-label={open.title}>
            <h3>{open.title}</h3>
            {canReload && (
              <button type="button" className="ghost" onClick={() => setEditing(open)}>
                {t('admin.kb.edit')}
              </button>
            )}
            <p className="meta">
              <code>{open.id}</code> · {open.fieldName} · {t('admin.kb.team')}: {open.team} · {t('admin.kb.level')}: {open.level} · {open.reviewed ? t('admin.kb.reviewed') : t('admin.kb.notReviewed')} ({open.lastReviewed})
            </p>
            <ReviewPanel
              entry={open}
              onReviewed={() => {
                setNotice(t('admin.kb.reviewSaved'));
                void load();
                void api.knowledgeEntry(open.id).then(setOpen);
              }}
            />
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

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

function EntryForm({ entry, onCancel, onSaved }: { entry: Partial<KnowledgeEntry>; onCancel(): void; onSaved(id: string): void }) {
  const { t } = useI18n();
  const isNew = !entry.id;
  const [draft, setDraft] = useState({
    id: entry.id ?? '',
    title: entry.title ?? '',
    field: entry.field ?? '',
    fieldName: entry.fieldName ?? '',
    team: entry.team ?? '',
    level: entry.level ?? 'xa',
    questions: (entry.questions ?? []).join('\n'),
    keywords: (entry.keywords ?? []).join('\n'),
    answer: entry.answer ?? '',
    where: entry.where ?? '',
    processingTime: entry.processingTime ?? '',
    fee: entry.fee ?? '',
    onlineUrl: entry.onlineUrl ?? '',
    reviewed: entry.reviewed ?? false,
  });
  const [error, setError] = useState<string | null>(null);
  const set = (key: keyof typeof draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value }));

  async function save(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    const optional = (value: string) => (value.trim() ? value.trim() : undefined);
    const body = {
      ...entry,
      title: draft.title.trim(),
      field: draft.field.trim(),
      fieldName: draft.fieldName.trim(),
      team: draft.team.trim(),
      level: draft.level.trim(),
      questions: lines(draft.questions),
      keywords: lines(draft.keywords),
      answer: draft.answer.trim(),
      where: optional(draft.where),
      processingTime: optional(draft.processingTime),
      fee: optional(draft.fee),
      onlineUrl: optional(draft.onlineUrl) ?? null,
      reviewed: draft.reviewed,
      // Marking it checked (or changing it) dates the review: the hotline answers for it from today.
      lastReviewed: new Date().toISOString().slice(0, 10),
    };
    delete (body as { id?: string }).id;
    try {
      const saved = await api.saveKnowledgeEntry(draft.id.trim(), body);
      onSaved(saved.id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  const field = (key: keyof typeof draft, label: string, multiline = false) => (
    <label>
      {label}
      {multiline ? <textarea name={key} rows={key === 'answer' ? 8 : 4} value={String(draft[key])} onChange={set(key)} /> : <input name={key} value={String(draft[key])} onChange={set(key)} />}
    </label>
  );
  return (
    <form className="kb-form" onSubmit={(e) => void save(e)} aria-label={isNew ? t('admin.kb.new') : t('admin.kb.edit')}>
      {isNew && field('id', t('admin.kb.id'))}
      {field('title', t('admin.kb.title'))}
      {field('fieldName', t('admin.kb.fieldName'))}
      {field('field', t('admin.kb.field'))}
      {field('team', t('admin.kb.team'))}
      {field('level', t('admin.kb.level'))}
      {field('questions', t('admin.kb.questionsHint'), true)}
      {field('keywords', t('admin.kb.keywords'), true)}
      {field('answer', t('admin.kb.answer'), true)}
      {field('where', t('admin.kb.whereLabel'))}
      {field('processingTime', t('admin.kb.timeLabel'))}
      {field('fee', t('admin.kb.feeLabel'))}
      {field('onlineUrl', t('admin.kb.onlineUrl'))}
      <label className="check">
        <input type="checkbox" name="reviewed" checked={draft.reviewed} onChange={(e) => setDraft((d) => ({ ...d, reviewed: e.target.checked }))} /> {t('admin.kb.reviewedLabel')}
      </label>
      <ErrorLine message={error} />
      <div className="actions">
        <button type="submit">{t('admin.kb.save')}</button>
        <button type="button" className="ghost" onClick={onCancel}>
          {t('admin.kb.cancel')}
        </button>
      </div>
    </form>
  );
}

function ReviewChip({ state }: { state: KnowledgeSummary['reviewState'] }) {
  const { t } = useI18n();
  return <span className={`chip review-${state}`}>{t(`admin.kb.state.${state}`)}</span>;
}

/** Who checked the entry, when, against which text, until when; and the form that signs it off. */
function ReviewPanel({ entry, onReviewed }: { entry: KnowledgeEntry; onReviewed(): void }) {
  const { t } = useI18n();
  const [against, setAgainst] = useState(entry.reviewedAgainst ?? entry.legalBasis[0] ?? '');
  const [reviewBy, setReviewBy] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api.reviewKnowledgeEntry(entry.id, { against, ...(reviewBy ? { reviewBy } : {}) });
      onReviewed();
    } catch (e) {
      setError(t('app.error', { detail: e instanceof Error ? e.message : String(e) }));
    }
  };
  return (
    <section className={`kb-review review-${entry.reviewState}`} aria-label={t('admin.kb.reviewHeading')}>
      <p>
        <ReviewChip state={entry.reviewState} />{' '}
        {entry.reviewedBy
          ? t('admin.kb.reviewedOn', { by: entry.reviewedBy, at: entry.reviewedAt ?? '', against: entry.reviewedAgainst ?? '', until: entry.reviewBy ?? '' })
          : t('admin.kb.neverReviewed')}
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          {t('admin.kb.against')}
          <input value={against} onChange={(e) => setAgainst(e.target.value)} required minLength={3} />
        </label>
        <label>
          {t('admin.kb.reviewBy')}
          <input type="date" value={reviewBy} onChange={(e) => setReviewBy(e.target.value)} />
        </label>
        <button type="submit">{t('admin.kb.markReviewed')}</button>
      </form>
      <ErrorLine message={error} />
    </section>
  );
}
