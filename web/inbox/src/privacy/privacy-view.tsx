import { useCallback, useEffect, useState } from 'react';
import { api, type Agent, type ContactDetail, type ContactMatch } from '../api.ts';
import { ErrorLine } from '../components/error-line.tsx';
import { channelName } from '../format.ts';
import { useI18n, type MessageKey, type Translate } from '../i18n/index.ts';
import { navigate } from '../route.ts';
import {
  day,
  erasureCounts,
  localDate,
  privacyApi,
  privacyError,
  receivedAtOf,
  receivedVias,
  requestKinds,
  stateOf,
  type ErasureResult,
  type PrivacyRequest,
  type RequestKind,
} from './privacy-api.ts';

const kindName = (t: Translate, kind: string) => (requestKinds.includes(kind as RequestKind) ? t(`privacy.kind.${kind}` as MessageKey) : kind);
const viaName = (t: Translate, via: string) => ((receivedVias as readonly string[]).includes(via) ? t(`privacy.via.${via}` as MessageKey) : channelName(t, via));

/** A missed deadline said in words (and marked in colour too, never colour alone). */
function OverdueMark({ label }: { label: string }) {
  return (
    <strong className="overdue-mark">
      <span aria-hidden="true">⚠ </span>
      {label}
    </strong>
  );
}

/** Where the request stands, in words. */
function StateLabel({ request }: { request: PrivacyRequest }) {
  const { t } = useI18n();
  const state = stateOf(request);
  const label = t(`privacy.state.${state}` as MessageKey);
  return state === 'overdue' || state === 'ackOverdue' ? <OverdueMark label={label} /> : <span className={`state state-${state}`}>{label}</span>;
}

/**
 * Citizens' requests about their personal data, for supervisors and admins: the log with the
 * law's timers, a form for a new one, and the selected request worked through its steps
 * (acknowledge, find the citizen, export or erase, close).
 */
export function PrivacyView({ agent, selectedId }: { agent: Agent; selectedId: number | null }) {
  const { t, locale } = useI18n();
  const [items, setItems] = useState<PrivacyRequest[] | null>(null);
  const [showForm, setShowForm] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setItems((await privacyApi.list()).items);
      setError(null);
    } catch (e) {
      setError(privacyError(t, e));
    }
  }, [t]);
  useEffect(() => void load(), [load]);

  return (
    <main className="privacy">
      <header className="privacy-head">
        <h2>{t('privacy.title')}</h2>
        <button type="button" aria-expanded={showForm} onClick={() => (setShowForm(!showForm), setNotice(null))}>
          {showForm ? t('privacy.new.close') : t('privacy.new')}
        </button>
        <button type="button" className="ghost" onClick={() => void load()}>
          {t('privacy.refresh')}
        </button>
      </header>
      <p className="hint">{t('privacy.hint')}</p>
      {showForm && (
        <NewRequestForm
          onCreated={(created) => {
            setShowForm(false);
            setNotice(t('privacy.new.created', { id: created.id, ack: day(created.acknowledgeBy, locale), due: day(created.dueAt, locale) }));
            void load();
            navigate({ name: 'privacy', id: created.id });
          }}
        />
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorLine message={error} />
      {selectedId !== null && <RequestDetail key={selectedId} id={selectedId} agent={agent} onChanged={() => void load()} />}
      {items === null ? (
        !error && <p className="loading">{t('privacy.loading')}</p>
      ) : items.length === 0 ? (
        <p className="empty">{t('privacy.empty')}</p>
      ) : (
        <table className="care-table privacy-table">
          <caption className="sr-only">{t('privacy.title')}</caption>
          <thead>
            <tr>
              <th>{t('privacy.col.id')}</th>
              <th>{t('privacy.col.kind')}</th>
              <th>{t('privacy.col.requester')}</th>
              <th>{t('privacy.col.receivedAt')}</th>
              <th>{t('privacy.col.acknowledgeBy')}</th>
              <th>{t('privacy.col.dueAt')}</th>
              <th>{t('privacy.col.state')}</th>
              <th>
                <span className="sr-only">{t('privacy.open')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} data-request={r.id} className={`${stateOf(r)} ${r.id === selectedId ? 'selected' : ''}`}>
                <td className="num">{r.id}</td>
                <td>{kindName(t, r.kind)}</td>
                <td>
                  {r.requesterName}
                  {r.requesterContact && <small>{r.requesterContact}</small>}
                </td>
                <td data-field="receivedAt">{day(r.receivedAt, locale)}</td>
                <td data-field="acknowledgeBy">
                  {day(r.acknowledgeBy, locale)}
                  {r.acknowledgedAt ? <small>{t('privacy.acknowledged', { date: day(r.acknowledgedAt, locale) })}</small> : r.acknowledgementOverdue && <OverdueMark label={t('privacy.state.overdue')} />}
                </td>
                <td data-field="dueAt">
                  {day(r.dueAt, locale)}
                  {r.overdue && <OverdueMark label={t('privacy.state.overdue')} />}
                </td>
                <td data-field="state">
                  <StateLabel request={r} />
                </td>
                <td>
                  <a
                    href={`/inbox/privacy/${r.id}`}
                    aria-label={`${t('privacy.open')} #${r.id}`}
                    aria-current={r.id === selectedId ? 'true' : undefined}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate({ name: 'privacy', id: r.id });
                    }}
                  >
                    {t('privacy.open')}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

/** A request as it reached the hotline: its timers start on the day it was received. */
function NewRequestForm({ onCreated }: { onCreated(created: PrivacyRequest): void }) {
  const { t } = useI18n();
  const today = localDate();
  const [kind, setKind] = useState<RequestKind>('access');
  const [requesterName, setRequesterName] = useState('');
  const [requesterContact, setRequesterContact] = useState('');
  const [receivedVia, setReceivedVia] = useState<string>('phone');
  const [receivedAt, setReceivedAt] = useState(today);
  const [details, setDetails] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const at = receivedAtOf(receivedAt, today);
      onCreated(
        await privacyApi.create({
          kind,
          requesterName: requesterName.trim(),
          receivedVia,
          ...(requesterContact.trim() ? { requesterContact: requesterContact.trim() } : {}),
          ...(details.trim() ? { details: details.trim() } : {}),
          ...(at ? { receivedAt: at } : {}),
        }),
      );
    } catch (err) {
      setError(privacyError(t, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="privacy-new">
      <h3>{t('privacy.new.title')}</h3>
      <form className="care-form" onSubmit={(e) => void submit(e)}>
        <fieldset>
          <label>
            {t('privacy.field.kind')}
            <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as RequestKind)}>
              {requestKinds.map((k) => (
                <option key={k} value={k}>
                  {kindName(t, k)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('privacy.field.requesterName')}
            <input name="requesterName" required maxLength={200} value={requesterName} onChange={(e) => setRequesterName(e.target.value)} />
          </label>
          <label>
            {t('privacy.field.requesterContact')}
            <input name="requesterContact" minLength={3} maxLength={254} value={requesterContact} onChange={(e) => setRequesterContact(e.target.value)} />
          </label>
          <label>
            {t('privacy.field.receivedVia')}
            <select name="receivedVia" value={receivedVia} onChange={(e) => setReceivedVia(e.target.value)}>
              {receivedVias.map((v) => (
                <option key={v} value={v}>
                  {viaName(t, v)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('privacy.field.receivedAt')}
            <input type="date" name="receivedAt" required max={today} value={receivedAt} onChange={(e) => setReceivedAt(e.target.value)} />
            <small className="hint">{t('privacy.field.receivedAtHint')}</small>
          </label>
        </fieldset>
        <label>
          {t('privacy.field.details')}
          <textarea name="details" rows={3} maxLength={4000} value={details} onChange={(e) => setDetails(e.target.value)} />
        </label>
        <div>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('privacy.new.busy') : t('privacy.new.submit')}
          </button>
        </div>
      </form>
      <ErrorLine message={error} />
    </section>
  );
}

/** One request worked through: acknowledge, find the citizen, export or erase, close. */
function RequestDetail({ id, agent, onChanged }: { id: number; agent: Agent; onChanged(): void }) {
  const { t, locale } = useI18n();
  const [request, setRequest] = useState<PrivacyRequest | null>(null);
  const [contact, setContact] = useState<ContactDetail | null>(null);
  const [q, setQ] = useState('');
  const [matches, setMatches] = useState<ContactMatch[] | null>(null);
  const [note, setNote] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [erasure, setErasure] = useState<ErasureResult | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    privacyApi.get(id).then(setRequest, (e: unknown) => setError(privacyError(t, e)));
  }, [id, t]);
  const contactId = request?.contactId ?? null;
  // Read again once the request is closed: an erasure has just emptied the contact.
  const closedAt = request?.completedAt ?? null;
  useEffect(() => {
    if (contactId === null) {
      setContact(null);
      return;
    }
    // Reading the contact is audited by the server, as any opening of a citizen's details.
    api.contact(contactId).then(setContact, () => setContact(null));
  }, [contactId, closedAt]);

  if (!request) return <section className="privacy-detail">{error ? <ErrorLine message={error} /> : <p className="loading">{t('privacy.loading')}</p>}</section>;

  const open = request.completedAt === null;
  const erasing = request.kind === 'erasure';
  const admin = agent.role === 'admin';
  const contactName = contact ? (contact.name ?? contact.phone ?? contact.email ?? t('privacy.contact.noName')) : contactId !== null ? `#${contactId}` : null;
  const erased = erasing && request.outcome === 'done';

  /** Runs one step; the request as the server returns it replaces ours. */
  async function step(run: () => Promise<PrivacyRequest>, done: (next: PrivacyRequest) => string | null) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const next = await run();
      setRequest(next);
      setNotice(done(next));
      onChanged();
      return next;
    } catch (e) {
      setError(privacyError(t, e));
      return null;
    } finally {
      setBusy(false);
    }
  }

  async function search(e: React.FormEvent) {
    e.preventDefault();
    if (q.trim().length < 2) return;
    setError(null);
    try {
      setMatches((await api.searchContacts(q.trim())).items);
    } catch (err) {
      setError(privacyError(t, err));
    }
  }

  const link = (match: ContactMatch) =>
    void step(
      () => privacyApi.link(id, match.id),
      () => (setMatches(null), setQ(''), t('privacy.contact.linkedNow', { name: match.name ?? match.phone ?? match.email ?? `#${match.id}` })),
    );

  const complete = async (outcome: 'done' | 'refused') => {
    if (outcome === 'refused' && !note.trim()) return setError(t('privacy.complete.reasonNeeded'));
    setConfirming(false);
    await step(
      async () => {
        const result = await privacyApi.complete(id, outcome, note.trim() || undefined);
        if (result.erasure) setErasure(result.erasure);
        return result;
      },
      () => t(outcome === 'done' ? 'privacy.completed.done' : 'privacy.completed.refused'),
    );
  };

  const title = t('privacy.detail.title', { id: request.id, kind: kindName(t, request.kind) });
  return (
    <section className="privacy-detail" aria-label={title} data-request={request.id}>
      <header>
        <h3>{title}</h3>
        <StateLabel request={request} />
        <span className="spacer" />
        <button type="button" className="ghost" onClick={() => navigate({ name: 'privacy', id: null })}>
          {t('privacy.detail.close')}
        </button>
      </header>
      <dl className="privacy-facts">
        <dt>{t('privacy.col.requester')}</dt>
        <dd>{request.requesterName}</dd>
        {request.requesterContact && (
          <>
            <dt>{t('privacy.detail.requesterContact')}</dt>
            <dd>{request.requesterContact}</dd>
          </>
        )}
        <dt>{t('privacy.detail.receivedVia')}</dt>
        <dd>{viaName(t, request.receivedVia)}</dd>
        <dt>{t('privacy.col.receivedAt')}</dt>
        <dd>{day(request.receivedAt, locale)}</dd>
        <dt>{t('privacy.col.acknowledgeBy')}</dt>
        <dd>
          {day(request.acknowledgeBy, locale)}
          {request.acknowledgementOverdue && <OverdueMark label={t('privacy.state.ackOverdue')} />}
        </dd>
        <dt>{t('privacy.col.dueAt')}</dt>
        <dd>
          {day(request.dueAt, locale)}
          {request.overdue && <OverdueMark label={t('privacy.state.overdue')} />}
        </dd>
        {request.details && (
          <>
            <dt>{t('privacy.detail.details')}</dt>
            <dd className="details">{request.details}</dd>
          </>
        )}
        {request.completedAt && (
          <>
            <dt>{t('privacy.detail.completedAt')}</dt>
            <dd>{day(request.completedAt, locale)}</dd>
          </>
        )}
        {request.outcomeNote && (
          <>
            <dt>{t('privacy.detail.note')}</dt>
            <dd className="details">{request.outcomeNote}</dd>
          </>
        )}
      </dl>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorLine message={error} />
      {erasure && (
        <table className="care-table erasure-result">
          <caption>{t('privacy.erasure.title')}</caption>
          <tbody>
            {erasureCounts.map((key) => (
              <tr key={key} data-count={key}>
                <th scope="row">{t(`privacy.erasure.${key}` as MessageKey)}</th>
                <td className="num">{erasure[key]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {open && (
        <section className="privacy-step" data-step="acknowledge">
          <h4>{t('privacy.step.acknowledge')}</h4>
          {request.acknowledgedAt ? (
            <p>{t('privacy.acknowledge.done', { date: day(request.acknowledgedAt, locale) })}</p>
          ) : (
            <button type="button" disabled={busy} onClick={() => void step(() => privacyApi.acknowledge(id), (next) => t('privacy.acknowledge.done', { date: day(next.acknowledgedAt, locale) }))}>
              {t('privacy.acknowledge')}
            </button>
          )}
        </section>
      )}

      {(open || contactId !== null) && (
        <section className="privacy-step" data-step="contact">
          <h4>{t('privacy.step.contact')}</h4>
          {contactName === null ? <p className="hint">{t('privacy.contact.none')}</p> : <p className="linked-contact">{t('privacy.contact.linked', { name: contactName })}</p>}
          {contactId !== null && !erased && (
            <p>
              <a className="export-link" href={privacyApi.exportUrl(contactId)} download={`du-lieu-ca-nhan-${contactId}.json`}>
                {t('privacy.export')}
              </a>
              <br />
              <small className="hint">{t('privacy.export.hint')}</small>
            </p>
          )}
          {open && (
            <>
              <p className="hint">{t('privacy.contact.hint')}</p>
              <form className="privacy-search" onSubmit={(e) => void search(e)}>
                <input type="search" name="contact-q" aria-label={t('privacy.contact.search')} placeholder={t('privacy.contact.search')} value={q} minLength={2} maxLength={200} onChange={(e) => setQ(e.target.value)} />
                <button type="submit" className="ghost">
                  {t('privacy.contact.find')}
                </button>
              </form>
              {matches && matches.length === 0 && <p className="hint">{t('privacy.contact.noMatch')}</p>}
              {matches && matches.length > 0 && (
                <ul className="privacy-matches">
                  {matches.map((m) => (
                    <li key={m.id} data-contact-id={m.id}>
                      <div>
                        <strong>{m.name ?? '—'}</strong>
                        <small>
                          {[m.phone, m.email].filter(Boolean).join(' · ')} {m.channels.map((ch) => channelName(t, ch)).join(', ')}
                        </small>
                      </div>
                      <button type="button" disabled={busy || m.id === contactId} onClick={() => link(m)}>
                        {t('privacy.contact.link')}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
        </section>
      )}

      {open && (
        <section className="privacy-step" data-step="complete">
          <h4>{t('privacy.step.complete')}</h4>
          <label className="privacy-note">
            {t('privacy.note')}
            <textarea name="note" rows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
          </label>
          {confirming ? (
            <div className="confirm-erase" role="alertdialog" aria-labelledby={`confirm-erase-${id}`} aria-describedby={`confirm-erase-text-${id}`}>
              <strong id={`confirm-erase-${id}`}>{t('privacy.confirm.title')}</strong>
              <p id={`confirm-erase-text-${id}`}>{t('privacy.confirm.text', { name: contactName ?? request.requesterName })}</p>
              <div className="actions">
                <button type="button" className="destructive" disabled={busy} onClick={() => void complete('done')}>
                  {t('privacy.confirm.yes')}
                </button>
                <button type="button" className="ghost" disabled={busy} onClick={() => setConfirming(false)}>
                  {t('privacy.confirm.no')}
                </button>
              </div>
            </div>
          ) : (
            <div className="actions">
              {erasing ? (
                <button type="button" className="destructive" disabled={busy || !admin || contactId === null} onClick={() => (setError(null), setConfirming(true))}>
                  {t('privacy.complete.erase')}
                </button>
              ) : (
                <button type="button" disabled={busy} onClick={() => void complete('done')}>
                  {t('privacy.complete.done')}
                </button>
              )}
              <button type="button" className="ghost danger" disabled={busy} onClick={() => void complete('refused')}>
                {t('privacy.complete.refuse')}
              </button>
            </div>
          )}
          {erasing && !admin && <p className="hint">{t('privacy.complete.eraseAdminOnly')}</p>}
          {erasing && admin && contactId === null && <p className="hint">{t('privacy.complete.eraseNeedsContact')}</p>}
        </section>
      )}
    </section>
  );
}
