import { useRef, useState } from 'react';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import { answersFrom, careApi, type Outcome, type Question, type TargetCard } from './care-api.ts';
import { ErrorLine } from '../components/error-line.tsx';
import { DialLink } from '../calls/dial-link.tsx';

export const when = (iso: string | null, locale: string) =>
  iso ? new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso)) : '—';

/** The outcomes in the order the buttons show them; completed is the form's own submit. */
const otherOutcomes: Outcome[] = ['no_answer', 'wrong_number', 'refused', 'call_back'];
// The citizen picked up on these: only then does the time spent count as the call's length.
const pickedUp = new Set<Outcome>(['completed', 'refused', 'call_back']);

function QuestionField({ q, name, value, onChange }: { q: Question; name: string; value: string; onChange(value: string): void }) {
  const { t } = useI18n();
  const radios = (choices: Array<{ value: string; label: string }>) => (
    <div className="choices">
      {choices.map((c) => (
        <label key={c.value}>
          <input type="radio" name={name} value={c.value} checked={value === c.value} onChange={() => onChange(c.value)} /> {c.label}
        </label>
      ))}
    </div>
  );
  return (
    <fieldset className="question" data-question={q.key}>
      <legend>
        {q.label}
        {q.required && <span className="required"> ({t('care.required')})</span>}
      </legend>
      {q.kind === 'text' ? (
        <textarea aria-label={q.label} name={name} maxLength={4000} value={value} onChange={(e) => onChange(e.target.value)} />
      ) : q.kind === 'scale' ? (
        radios(['1', '2', '3', '4', '5'].map((v) => ({ value: v, label: v })))
      ) : q.kind === 'yesno' ? (
        radios([
          { value: 'yes', label: t('care.answer.yes') },
          { value: 'no', label: t('care.answer.no') },
        ])
      ) : (
        radios((q.options ?? []).map((o) => ({ value: o.value, label: o.label })))
      )}
    </fieldset>
  );
}

export function AttemptHistory({ card }: { card: TargetCard }) {
  const { t, locale } = useI18n();
  return card.history.length === 0 ? (
    <p className="hint">{t('care.history.none')}</p>
  ) : (
    <ol className="attempts">
      {card.history.map((a, i) => (
        <li key={i}>
          {when(a.at, locale)} · {t(`care.mode.${a.mode}` as MessageKey)} · {t(`care.outcome.${a.outcome}` as MessageKey)}
          {a.callBackAt ? ` · ${t('care.callBackAt')}: ${when(a.callBackAt, locale)}` : ''}
          {a.note ? <q>{a.note}</q> : null}
        </li>
      ))}
    </ol>
  );
}

/**
 * One citizen to interview, by phone or at the door: who they are, the script, the questionnaire
 * and the outcome buttons. The server checks the answers again; what it refuses is shown here.
 */
export function InterviewCard({ card, onRecorded }: { card: TargetCard; onRecorded(recorded: TargetCard, outcome: Outcome): void }) {
  const { t } = useI18n();
  const shownAt = useRef(Date.now());
  const [values, setValues] = useState<Record<string, string>>({});
  const [note, setNote] = useState('');
  const [callBackAt, setCallBackAt] = useState('');
  const [choosingCallBack, setChoosingCallBack] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const questionnaire = card.script.questionnaire;
  const visit = card.mode === 'visit';

  async function record(outcome: Outcome) {
    setProblem(null);
    let answers: Record<string, string | number | boolean> | undefined;
    if (outcome === 'completed') {
      const checked = answersFrom(questionnaire, values);
      if (checked.missing.length) {
        const labels = questionnaire.questions.filter((q) => checked.missing.includes(q.key)).map((q) => q.label);
        return setProblem(t('care.missingAnswers', { questions: labels.join('; ') }));
      }
      answers = checked.answers;
    }
    if (outcome === 'call_back' && !callBackAt) return setProblem(t('care.callBackNeeded'));
    setBusy(true);
    try {
      const seconds = Math.min(86_400, Math.round((Date.now() - shownAt.current) / 1000));
      const recorded = await careApi.record(card.id, {
        outcome,
        ...(answers ? { answers } : {}),
        ...(outcome === 'call_back' ? { callBackAt: new Date(callBackAt).toISOString() } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
        ...(!visit && pickedUp.has(outcome) ? { durationSeconds: seconds } : {}),
      });
      onRecorded(recorded, outcome);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  const d = card.dossier;
  return (
    <article className={`interview ${visit ? 'visit' : ''}`} data-target={card.id} data-code={d.code} aria-label={d.code}>
      <header className="citizen">
        <h2>{d.applicantName ?? t('care.noName')}</h2>
        {card.tel ? (
          // Through the switchboard when one is configured, so the citizen sees the official number.
          <DialLink what={{ targetId: card.id }}>
            <a className="tel" href={card.tel}>
              {t('care.call', { number: card.tel.slice(4) })}
            </a>
          </DialLink>
        ) : (
          <span className="hint">{t('care.noPhone')}</span>
        )}
        <dl>
          <dt>{t('care.dossier.code')}</dt>
          <dd className="code">{d.code}</dd>
          <dt>{t('care.dossier.procedure')}</dt>
          <dd>{d.procedure ?? '—'}</dd>
          <dt>{t('care.dossier.desk')}</dt>
          <dd>
            {d.desk ?? '—'}
            {d.deskLevel ? ` (${t(`care.level.${d.deskLevel}` as MessageKey)})` : ''}
          </dd>
          <dt>{t('care.dossier.unit')}</dt>
          <dd>{d.unit ?? '—'}</dd>
        </dl>
      </header>
      <section className="script">
        <h3>{t('care.script')}</h3>
        <p className="greeting">{card.script.greeting}</p>
      </section>
      <form
        className="questionnaire"
        onSubmit={(e) => {
          e.preventDefault();
          void record('completed');
        }}
      >
        <h3>{questionnaire.title}</h3>
        {questionnaire.questions.map((q) => (
          <QuestionField key={q.key} q={q} name={`q-${card.id}-${q.key}`} value={values[q.key] ?? ''} onChange={(v) => (setProblem(null), setValues((old) => ({ ...old, [q.key]: v })))} />
        ))}
        <label className="note">
          {t('care.note')}
          <input name="note" value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
        </label>
        <ErrorLine message={problem} />
        <div className="outcomes">
          <button type="submit" className="primary" disabled={busy} data-outcome="completed">
            {t('care.outcome.save_completed')}
          </button>
          {otherOutcomes.map((o) => (
            <button
              key={o}
              type="button"
              className={`ghost ${o === 'call_back' && choosingCallBack ? 'active' : ''}`}
              disabled={busy}
              data-outcome={o}
              onClick={() => (o === 'call_back' && !choosingCallBack ? setChoosingCallBack(true) : void record(o))}
            >
              {t(`care.outcome.${o}${visit && (o === 'no_answer' || o === 'wrong_number') ? '.visit' : ''}` as MessageKey)}
            </button>
          ))}
        </div>
        {choosingCallBack && (
          <div className="call-back">
            <label>
              {t('care.callBackAt')}
              <input type="datetime-local" name="callBackAt" value={callBackAt} onChange={(e) => setCallBackAt(e.target.value)} />
            </label>
            <button type="button" disabled={busy} onClick={() => void record('call_back')}>
              {t('care.callBackSave')}
            </button>
          </div>
        )}
      </form>
      <section className="history">
        <h3>{t('care.history', { count: card.attempts })}</h3>
        <AttemptHistory card={card} />
      </section>
    </article>
  );
}
