import { useCallback, useEffect, useState } from 'react';
import { api, type KnowledgeSummary } from '../api.ts';
import { ErrorLine } from '../components/error-line.tsx';
import { time } from '../format.ts';
import { useI18n } from '../i18n/index.ts';
import { proposalsApi, type KbProposalView, type ProposalStatus } from './proposals-api.ts';

/**
 * What the bot may learn from the operators: each question an operator answered with a
 * knowledge-base entry, with the citizen's personal data already removed. A supervisor accepts it
 * (as it is or edited), or rejects it; nothing is learned without that yes.
 */
export function ProposalsAdmin() {
  const { t } = useI18n();
  const [status, setStatus] = useState<ProposalStatus | 'all'>('pending');
  const [items, setItems] = useState<KbProposalView[]>([]);
  const [titles, setTitles] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = useCallback(() => proposalsApi.list(status).then(setItems), [status]);
  useEffect(() => void load().catch((e: unknown) => setError(String(e))), [load]);
  useEffect(() => void api.knowledgeBase().then((entries: KnowledgeSummary[]) => setTitles(new Map(entries.map((e) => [e.id, e.title])))).catch(() => undefined), []);

  const act = async (work: () => Promise<{ status: ProposalStatus }>) => {
    setError(null);
    try {
      const done = await work();
      setNotice(t(done.status === 'accepted' ? 'kbp.accepted' : 'kbp.rejected'));
      await load();
    } catch (e) {
      setError(t('app.error', { detail: e instanceof Error ? e.message : String(e) }));
    }
  };

  return (
    <div className="kb-proposals">
      <p className="hint">{t('kbp.intro')}</p>
      <label>
        {t('kbp.status')}{' '}
        <select value={status} onChange={(e) => setStatus(e.target.value as ProposalStatus | 'all')}>
          {(['pending', 'accepted', 'rejected', 'all'] as const).map((s) => (
            <option key={s} value={s}>
              {t(`kbp.status.${s}`)}
            </option>
          ))}
        </select>
      </label>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorLine message={error} />
      {items.length === 0 ? (
        <p>{t('kbp.none')}</p>
      ) : (
        <ul className="kb-list">
          {items.map((p) => (
            <Proposal key={p.id} proposal={p} title={titles.get(p.entryId) ?? p.entryId} onAccept={(q) => act(() => proposalsApi.accept(p.id, q))} onReject={() => act(() => proposalsApi.reject(p.id))} />
          ))}
        </ul>
      )}
    </div>
  );
}

function Proposal({ proposal, title, onAccept, onReject }: { proposal: KbProposalView; title: string; onAccept(question: string): void; onReject(): void }) {
  const { t, locale } = useI18n();
  const [question, setQuestion] = useState(proposal.acceptedQuestion ?? proposal.question);
  const pending = proposal.status === 'pending';
  return (
    <li aria-label={t('kbp.item', { entry: title })}>
      <span className="meta">
        {t('kbp.for', { entry: title })} · {t('kbp.by', { who: proposal.proposedBy, at: time(locale, proposal.proposedAt) })}
        {!pending && ` · ${t(`kbp.status.${proposal.status}`)}`}
      </span>
      {pending ? (
        <>
          <label>
            <span className="sr-only">{t('kbp.question')}</span>
            <textarea name="question" rows={2} value={question} onChange={(e) => setQuestion(e.target.value)} />
          </label>
          <div className="actions">
            <button type="button" onClick={() => onAccept(question.trim())} disabled={question.trim().length < 3}>
              {t('kbp.accept')}
            </button>
            <button type="button" className="ghost" onClick={onReject}>
              {t('kbp.reject')}
            </button>
          </div>
        </>
      ) : (
        <q>{proposal.acceptedQuestion ?? proposal.question}</q>
      )}
    </li>
  );
}
