import { useCallback, useEffect, useState } from 'react';
import { ApiError, type Agent } from '../api.ts';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import type { LiveFeed } from '../live.ts';
import { navigate } from '../route.ts';
import { actionsFor, ticketsApi, type Ticket, type TicketFile, type TicketAction, type TicketQuery, type TicketSummary, type Unit } from './tickets-api.ts';
import { ErrorLine } from '../components/error-line.tsx';
import { DialLink } from '../calls/dial-link.tsx';

type Filter = 'open' | 'overdue' | 'dueSoon' | 'all';
const filters: Filter[] = ['open', 'overdue', 'dueSoon', 'all'];

const transitions = new Set(['take', 'forward', 'accept', 'escalate', 'send_back', 'answer', 'close', 'reopen']);
const eventLabel = (t: (key: MessageKey) => string, action: string) =>
  transitions.has(action) ? t(`tickets.action.${action}` as MessageKey) : ['create', 'rate', 'delivery_failed'].includes(action) ? t(`tickets.event.${action}` as MessageKey) : action;

const when = (iso: string | null, locale: string) =>
  iso ? new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso)) : '—';

/**
 * Tickets as the signed-in person may see them: the hotline all, a unit its own, the province
 * leadership what reached it. The list refreshes from the live feed; actions follow the level.
 */
export function TicketsView({ agent, live, selectedId, unitIds }: { agent: Agent; live: LiveFeed; selectedId: number | null; unitIds: number[] }) {
  const { t, locale } = useI18n();
  const [filter, setFilter] = useState<Filter>('open');
  const [items, setItems] = useState<TicketSummary[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const q: TicketQuery = filter === 'overdue' ? { overdue: true } : filter === 'dueSoon' ? { dueSoon: true } : {};
    const page = await ticketsApi.list(q);
    setItems(filter === 'open' ? page.items.filter((x) => x.status !== 'answered' && x.status !== 'closed') : page.items);
  }, [filter]);

  useEffect(() => {
    void load().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = live.on((event) => {
      if (!String(event.type).startsWith('ticket.')) return;
      clearTimeout(timer);
      timer = setTimeout(() => void load().catch(() => undefined), 300);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [live, load]);

  return (
    <div className="tickets">
      <section className="ticket-list" aria-label={t('tickets.title')}>
        <div className="filters" role="tablist">
          {filters.map((f) => (
            <button key={f} role="tab" aria-selected={filter === f} className={filter === f ? 'active' : ''} onClick={() => setFilter(f)}>
              {t(`tickets.filter.${f}` as MessageKey)}
            </button>
          ))}
        </div>
        <ErrorLine message={error} />
        {items.length === 0 ? (
          <p className="empty">{t('tickets.empty')}</p>
        ) : (
          <ul>
            {items.map((ticket) => (
              <li key={ticket.id} className={`${ticket.id === selectedId ? 'selected' : ''} ${ticket.overdue ? 'overdue' : ''}`}>
                <a
                  href={`/inbox/tickets/${ticket.id}`}
                  data-ticket={ticket.code}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate({ name: 'tickets', id: ticket.id });
                  }}
                >
                  <strong>{ticket.code}</strong> <span className="subject">{ticket.subject}</span>
                  <small>
                    {t(`tickets.level.${ticket.level}` as MessageKey)} · {t(`tickets.status.${ticket.status}` as MessageKey)}
                    {ticket.unitName ? ` · ${ticket.unitName}` : ''}
                    {ticket.deadline ? ` · ${t('tickets.col.deadline')}: ${when(ticket.deadline, locale)}` : ''}
                    {ticket.overdue ? ` · ${t('tickets.overdue')}` : ''}
                  </small>
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
      {selectedId !== null ? <TicketDetail key={selectedId} id={selectedId} agent={agent} unitIds={unitIds} onChanged={() => void load()} live={live} /> : <p className="pick">{t('tickets.pick')}</p>}
    </div>
  );
}

function TicketDetail({ id, agent, unitIds, onChanged, live }: { id: number; agent: Agent; unitIds: number[]; onChanged(): void; live: LiveFeed }) {
  const { t, locale } = useI18n();
  const [ticket, setTicket] = useState<Ticket | null>(null);
  const [units, setUnits] = useState<Unit[]>([]);
  const [pending, setPending] = useState<TicketAction | null>(null);
  const [comment, setComment] = useState('');
  const [unitId, setUnitId] = useState('');
  const [files, setFiles] = useState<TicketFile[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => setTicket(await ticketsApi.get(id)), [id]);
  useEffect(() => {
    void load().catch((e: unknown) => setError(e instanceof ApiError && e.status === 404 ? t('app.error') : String(e)));
    void ticketsApi.units().then((list) => setUnits(list.items.filter((u) => u.kind !== 'province')));
    return live.on((event) => {
      if (String(event.type).startsWith('ticket.') && event.ticketId === id) void load().catch(() => undefined);
    });
  }, [id, load, live, t]);

  if (!ticket) return <section className="ticket-detail">{error ? <p className="error">{error}</p> : t('app.loading')}</section>;
  const actions = actionsFor(agent.role, unitIds, ticket);
  const needsText = pending === 'answer' || pending === 'send_back';

  async function run(action: TicketAction) {
    setError(null);
    if ((action === 'answer' || action === 'send_back' || action === 'forward') && pending !== action) {
      setPending(action);
      return;
    }
    try {
      await ticketsApi.act(id, action, { ...(action === 'forward' ? { unitId: Number(unitId) } : {}), ...(comment.trim() ? { comment: comment.trim() } : {}), ...(files.length ? { attachments: files } : {}) });
      setPending(null);
      setComment('');
      setFiles([]);
      await load();
      onChanged();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  const operator = agent.role === 'agent' || agent.role === 'supervisor' || agent.role === 'admin';
  return (
    <section className="ticket-detail" aria-label={ticket.code}>
      <header>
        <h2>
          {ticket.code} · {t(`tickets.type.${ticket.type}` as MessageKey)}
        </h2>
        <p>
          <span className={`tk-badge level-${ticket.level}`}>{t(`tickets.level.${ticket.level}` as MessageKey)}</span>{' '}
          <span className="tk-badge" data-status={ticket.status}>
            {t(`tickets.status.${ticket.status}` as MessageKey)}
          </span>
          {ticket.unitName && <span> · {ticket.unitName}</span>}
          {ticket.deadline && (
            <span className={ticket.overdue ? 'overdue' : ''}>
              {' '}
              · {t('tickets.col.deadline')}: {when(ticket.deadline, locale)}
            </span>
          )}
        </p>
        {/* A tab of its own: the sheet prints alone, and the ticket stays open here. */}
        <a className="button print-ticket" href={`/inbox/tickets/${id}/print`} target="_blank" rel="noopener">
          {t('tickets.print')}
        </a>
      </header>
      <h3>{ticket.subject}</h3>
      {ticket.body && <p className="body">{ticket.body}</p>}
      <p className="reporter">
        {ticket.reporterHidden ? t('tickets.reporterHidden') : ticket.contact ? `${t('tickets.reporter')}: ${[ticket.contact.name, ticket.contact.phone, ticket.contact.email].filter(Boolean).join(' · ')}` : null}
        {!ticket.reporterHidden && ticket.contact?.phone ? (
          <>
            {' '}
            <DialLink what={{ ticketId: ticket.id }}>{null}</DialLink>
          </>
        ) : null}
      </p>
      {ticket.conversationId !== null && operator && (
        <button className="link" onClick={() => navigate({ name: 'conversation', id: ticket.conversationId! })}>
          {t('tickets.openConversation')}
        </button>
      )}
      {ticket.answer && (
        <div className="answer">
          <h4>{t('tickets.answer')}</h4>
          <p>{ticket.answer}</p>
          <p>
            {ticket.satisfaction ? t(`tickets.satisfaction.${ticket.satisfaction}` as MessageKey) : t('tickets.satisfaction.none')}
            {ticket.satisfactionComment ? `: ${ticket.satisfactionComment}` : ''}
          </p>
        </div>
      )}
      <div className="actions">
        {actions.map((action) => (
          <button key={action} data-action={action} className={pending === action ? 'active' : ''} onClick={() => void run(action)}>
            {t(`tickets.action.${action}` as MessageKey)}
          </button>
        ))}
        {operator && ticket.status !== 'new' && ticket.status !== 'in_progress' && ticket.status !== 'waiting_unit' && !ticket.satisfaction && ticket.channel === 'phone' && (
          <>
            <button onClick={() => void ticketsApi.rate(id, 'satisfied').then(load)}>{`${t('tickets.action.rate')}: ${t('tickets.satisfaction.satisfied')}`}</button>
            <button onClick={() => void ticketsApi.rate(id, 'not_satisfied').then(load)}>{t('tickets.satisfaction.not_satisfied')}</button>
          </>
        )}
      </div>
      {pending === 'forward' && (
        <div className="action-form">
          <label>
            {t('tickets.unit')}
            <select value={unitId} onChange={(e) => setUnitId(e.target.value)} name="unit">
              <option value="">{t('tickets.chooseUnit')}</option>
              {units.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
          <button className="primary" disabled={!unitId} onClick={() => void run('forward')}>
            {t('tickets.action.forward')}
          </button>
        </div>
      )}
      {needsText && (
        <div className="action-form">
          <label>
            {pending === 'answer' ? t('tickets.answer') : t('tickets.comment')}
            <textarea name="comment" value={comment} onChange={(e) => setComment(e.target.value)} rows={4} />
          </label>
          <label>
            {t('tickets.attach')}
            <input
              type="file"
              name="files"
              multiple
              onChange={(e) => {
                const chosen = Array.from(e.target.files ?? []);
                Promise.all(chosen.map((file) => ticketsApi.upload(id, file))).then((uploaded) => setFiles((list) => [...list, ...uploaded]), (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
              }}
            />
          </label>
          {files.length > 0 && <p className="hint">{files.map((f) => f.name ?? f.key.slice(0, 8)).join(', ')}</p>}
          <button className="primary" disabled={!comment.trim()} onClick={() => void run(pending)}>
            {t(`tickets.action.${pending}` as MessageKey)}
          </button>
        </div>
      )}
      <ErrorLine message={error} />
      <h4>{t('tickets.history')}</h4>
      <ol className="history">
        {ticket.history.map((h) => (
          <li key={h.id}>
            <time>{when(h.at, locale)}</time> <strong>{h.actorName}</strong>: {eventLabel(t, h.action)}
            {h.toLevel !== null && h.fromLevel !== h.toLevel ? ` → ${t(`tickets.level.${h.toLevel}` as MessageKey)}` : ''}
            {h.comment ? <q>{h.comment}</q> : null}
            {(h.attachments ?? []).map((file) => (
              <a key={file.key} className="file" href={`/api/v1/tickets/${id}/attachments/${file.key}`} download>
                {file.name ?? file.key.slice(0, 8)}
              </a>
            ))}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** A small form in the conversation view: the conversation becomes a ticket in a few keystrokes. */
export function CreateTicketForm({ conversationId, onCreated }: { conversationId: number; onCreated(ticket: { id: number; code: string }): void }) {
  const { t } = useI18n();
  const [subject, setSubject] = useState('');
  const [type, setType] = useState<Ticket['type']>('question');
  const [tthc, setTthc] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="create-ticket"
      onSubmit={(e) => {
        e.preventDefault();
        ticketsApi
          .create({ type, subject: subject.trim(), tthc, conversationId })
          .then(onCreated, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
      }}
    >
      <strong>{t('tickets.fromConversation')}</strong>
      <select aria-label={t('tickets.type')} value={type} onChange={(e) => setType(e.target.value as Ticket['type'])}>
        {(['question', 'complaint', 'petition', 'suggestion', 'denunciation'] as const).map((x) => (
          <option key={x} value={x}>
            {t(`tickets.type.${x}`)}
          </option>
        ))}
      </select>
      <input aria-label={t('tickets.subject')} placeholder={t('tickets.subject')} value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={300} />
      <label>
        <input type="checkbox" checked={tthc} onChange={(e) => setTthc(e.target.checked)} /> {t('tickets.tthc')}
      </label>
      <button className="primary" disabled={!subject.trim()}>
        {t('tickets.action.create')}
      </button>
      {error && <span className="error">{error}</span>}
    </form>
  );
}
