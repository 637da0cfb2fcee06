import { useEffect, useState } from 'react';
import { request } from '../api.ts';
import { channelName, time } from '../format.ts';
import { useI18n } from '../i18n/index.ts';
import type { LiveEvent, LiveFeed } from '../live.ts';
import type { CallerCard, LiveCall } from '../../../../src/contracts/calls.ts';
import { CallNote } from './call-note.tsx';
import { CallRecording } from './call-recording.tsx';

type PopCall = Pick<LiveCall, 'callId' | 'status' | 'direction' | 'number' | 'hasRecording'>;

/**
 * The screen pop: when a call rings at this operator's extension, the caller's card slides in
 * over whatever screen they are on, follows the call (answered, ended) and opens a ticket from
 * the call in one click. Once the call is over, the operator writes the call's note and can
 * listen to its recording there.
 */
export function ScreenPop({ live, onTicket }: { live: LiveFeed; onTicket(id: number): void }) {
  const { t, locale } = useI18n();
  const [pop, setPop] = useState<{ call: PopCall; caller: CallerCard } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(
    () =>
      live.on((event: LiveEvent) => {
        if (event.type === 'call.ringing') {
          setError(null);
          setPop({ call: event.call as PopCall, caller: event.caller as CallerCard });
        } else if (event.type === 'call.updated') {
          const update = event as unknown as LiveCall;
          setPop((current) => (current && current.call.callId === update.callId ? { ...current, call: { ...current.call, status: update.status, hasRecording: update.hasRecording } } : current));
        }
      }),
    [live],
  );

  if (!pop) return null;
  const { call, caller } = pop;

  async function ticketFromCall() {
    setBusy(true);
    try {
      const ticket = await request<{ id: number }>('POST', '/api/v1/tickets', { type: 'question', subject: t('pop.ticketSubject', { number: call.number }), callId: call.callId });
      setPop(null);
      onTicket(ticket.id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <aside className="screen-pop" role="dialog" aria-label={call.direction === 'out' ? t('pop.titleOut') : t('pop.title')}>
      <header>
        <strong>{call.direction === 'out' ? t('pop.titleOut') : t('pop.title')}</strong>
        <span className={`call-status ${call.status}`}>{t(`pop.status.${call.status}`)}</span>
      </header>
      <p className="caller">
        <span className="name">{caller.contact?.name ?? t('pop.newCaller')}</span> <span className="number">{call.number}</span>
      </p>
      {caller.doNotContact && <p className="banner warn">{t('pop.doNotContact', { date: time(locale, caller.doNotContact.since) })}</p>}
      <h4>{t('pop.tickets')}</h4>
      {caller.tickets.length === 0 ? (
        <p className="muted">{t('pop.noTickets')}</p>
      ) : (
        <ul className="pop-tickets">
          {caller.tickets.map((ticket) => (
            <li key={ticket.id}>
              <a href={`/inbox/tickets/${ticket.id}`} onClick={(e) => (e.preventDefault(), onTicket(ticket.id))}>
                {ticket.code}
              </a>{' '}
              {ticket.subject} · {t('pop.level', { level: ticket.level })}
              {ticket.deadline ? ` · ${t('pop.deadline', { date: time(locale, ticket.deadline) })}` : ''}
            </li>
          ))}
        </ul>
      )}
      {caller.conversations.length > 0 && (
        <>
          <h4>{t('pop.conversations')}</h4>
          <ul>
            {caller.conversations.map((conversation) => (
              <li key={conversation.id}>
                <a href={`/inbox/conversations/${conversation.id}`}>{channelName(t, conversation.channel)}</a> · {conversation.lastMessageAt ? time(locale, conversation.lastMessageAt) : ''}
              </li>
            ))}
          </ul>
        </>
      )}
      {caller.dossiers.length > 0 && (
        <>
          <h4>{t('pop.dossiers')}</h4>
          <ul>
            {caller.dossiers.map((dossier) => (
              <li key={dossier.id}>
                {dossier.code} · {dossier.procedure ?? ''} · {dossier.status ?? ''}
              </li>
            ))}
          </ul>
        </>
      )}
      {caller.care.length > 0 && (
        <>
          <h4>{t('pop.care')}</h4>
          <ul>
            {caller.care.map((target) => (
              <li key={target.targetId}>
                {target.campaign} · {target.status}
              </li>
            ))}
          </ul>
        </>
      )}
      {(call.status === 'ended' || call.status === 'missed') && (
        <section className="after-call">
          <CallNote callId={call.callId} initial={null} />
          <CallRecording callId={call.callId} hasRecording={call.hasRecording} />
        </section>
      )}
      {error && <p className="error">{error}</p>}
      <footer>
        <button type="button" disabled={busy} onClick={() => void ticketFromCall()}>
          {t('pop.ticketFromCall')}
        </button>
        <button type="button" className="ghost" onClick={() => setPop(null)}>
          {t('pop.close')}
        </button>
      </footer>
    </aside>
  );
}
