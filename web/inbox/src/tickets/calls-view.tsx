import { useCallback, useEffect, useState } from 'react';
import { currentCsrfToken, type Agent } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { navigate } from '../route.ts';
import { ticketsApi, ticketTypes, type Call, type TicketType } from './tickets-api.ts';
import { CallNote } from '../calls/call-note.tsx';
import { CallRecording } from '../calls/call-recording.tsx';

/**
 * The operator's phone desk: log a call (and open its ticket in the same step), see today's
 * calls with their notes (written or corrected here) and recordings; supervisors import the
 * switchboard's call records.
 */
export function CallsView({ agent }: { agent: Agent }) {
  const { t, locale } = useI18n();
  const [calls, setCalls] = useState<Call[]>([]);
  const [direction, setDirection] = useState<'in' | 'out'>('in');
  const [number, setNumber] = useState('');
  const [duration, setDuration] = useState('60');
  const [notes, setNotes] = useState('');
  const [withTicket, setWithTicket] = useState(true);
  const [type, setType] = useState<TicketType>('question');
  const [subject, setSubject] = useState('');
  const [tthc, setTthc] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [editing, setEditing] = useState<number | null>(null);

  const load = useCallback(async () => setCalls((await ticketsApi.calls()).items), []);
  useEffect(() => void load().catch(() => undefined), [load]);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setMessage(null);
    try {
      const saved = await ticketsApi.logCall({
        direction,
        number: number.trim(),
        durationSeconds: Number(duration) || 0,
        ...(notes.trim() ? { notes: notes.trim() } : {}),
        ...(withTicket && subject.trim() ? { ticket: { type, subject: subject.trim(), tthc } } : {}),
      });
      setNumber('');
      setNotes('');
      setSubject('');
      setMessage(saved.ticket ? t('tickets.created', { code: saved.ticket.code }) : t('calls.saved'));
      await load();
      if (saved.ticket) navigate({ name: 'tickets', id: saved.ticket.id });
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    }
  }

  async function importFile(file: File) {
    const res = await fetch('/api/v1/calls/import', { method: 'POST', headers: { 'content-type': 'text/csv', 'x-csrf-token': currentCsrfToken() }, body: await file.text(), credentials: 'same-origin' });
    const body = (await res.json()) as { imported?: number; duplicates?: number; errors?: unknown[]; message?: string };
    setMessage(res.ok ? t('calls.imported', { imported: body.imported ?? 0, duplicates: body.duplicates ?? 0, errors: body.errors?.length ?? 0 }) : (body.message ?? res.statusText));
    await load();
  }

  const overseer = agent.role === 'supervisor' || agent.role === 'admin';
  return (
    <main className="calls">
      <h2>{t('calls.log')}</h2>
      <form onSubmit={(e) => void save(e)} className="call-form">
        <fieldset>
          <label>
            <input type="radio" name="direction" checked={direction === 'in'} onChange={() => setDirection('in')} /> {t('calls.direction.in')}
          </label>
          <label>
            <input type="radio" name="direction" checked={direction === 'out'} onChange={() => setDirection('out')} /> {t('calls.direction.out')}
          </label>
        </fieldset>
        <label>
          {t('calls.number')}
          <input name="number" required value={number} onChange={(e) => setNumber(e.target.value)} inputMode="tel" autoFocus />
        </label>
        <label>
          {t('calls.duration')}
          <input name="duration" type="number" min={0} value={duration} onChange={(e) => setDuration(e.target.value)} />
        </label>
        <label>
          {t('calls.notes')}
          <input name="notes" value={notes} onChange={(e) => setNotes(e.target.value)} />
        </label>
        <label>
          <input type="checkbox" checked={withTicket} onChange={(e) => setWithTicket(e.target.checked)} /> {t('calls.withTicket')}
        </label>
        {withTicket && (
          <>
            <select aria-label={t('tickets.type')} value={type} onChange={(e) => setType(e.target.value as TicketType)}>
              {ticketTypes.map((x) => (
                <option key={x} value={x}>
                  {t(`tickets.type.${x}`)}
                </option>
              ))}
            </select>
            <input aria-label={t('tickets.subject')} name="subject" placeholder={t('tickets.subject')} value={subject} onChange={(e) => setSubject(e.target.value)} />
            <label>
              <input type="checkbox" checked={tthc} onChange={(e) => setTthc(e.target.checked)} /> {t('tickets.tthc')}
            </label>
          </>
        )}
        <button className="primary">{t('calls.log')}</button>
      </form>
      {message && <p role="status">{message}</p>}
      {overseer && (
        <label className="import">
          {t('calls.import')} <input type="file" accept=".csv,text/csv" onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} />
        </label>
      )}
      <h2>{t('calls.title')}</h2>
      <table>
        <thead>
          <tr>
            <th>{t('calls.col.time')}</th>
            <th />
            <th>{t('calls.number')}</th>
            <th>{t('calls.duration')}</th>
            <th>{t('calls.notes')}</th>
            <th>{t('calls.col.recording')}</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => (
            <tr key={call.id} data-call-id={call.id}>
              <td>{new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' }).format(new Date(call.startedAt))}</td>
              <td>{t(`calls.direction.${call.direction}`)}</td>
              <td>{call.number}</td>
              <td className="num">{call.durationSeconds}</td>
              <td className="call-notes">
                {editing === call.id ? (
                  <CallNote
                    callId={call.id}
                    initial={call.notes}
                    onSaved={(notes) => {
                      setCalls((list) => list.map((c) => (c.id === call.id ? { ...c, notes: notes || null } : c)));
                      setEditing(null);
                    }}
                  />
                ) : (
                  <>
                    <span className="text">{call.notes}</span>{' '}
                    <button type="button" className="ghost" onClick={() => setEditing(call.id)}>
                      {t('callNote.edit')}
                    </button>
                  </>
                )}
              </td>
              <td>
                <CallRecording callId={call.id} hasRecording={call.hasRecording} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
