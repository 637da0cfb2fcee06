import { useCallback, useEffect, useState } from 'react';
import { request } from '../api.ts';
import { duration, time } from '../format.ts';
import { useI18n } from '../i18n/index.ts';
import type { LiveFeed } from '../live.ts';
import { DialLink } from './dial-link.tsx';
import type { MissedCall as Missed, Wallboard as Board } from '../../../../src/contracts/calls.ts';

/**
 * The supervisors' wallboard and missed calls: refreshed on every call event of the live feed
 * (and each 15 s, so the longest wait keeps growing on screen); a missed call is called back from
 * the official number in one click, or marked handled.
 */
export function Wallboard({ live }: { live: LiveFeed }) {
  const { t, locale } = useI18n();
  const [board, setBoard] = useState<Board | null>(null);
  const [missed, setMissed] = useState<Missed[]>([]);
  const load = useCallback(async () => {
    setBoard(await request<Board>('GET', '/api/v1/calls/wallboard'));
    setMissed((await request<{ items: Missed[] }>('GET', '/api/v1/calls/missed')).items);
  }, []);
  useEffect(() => {
    void load().catch(() => undefined);
    const timer = setInterval(() => void load().catch(() => undefined), 15_000);
    const off = live.on((event) => {
      if (event.type === 'call.updated') void load().catch(() => undefined);
    });
    return () => (clearInterval(timer), off());
  }, [live, load]);
  if (!board) return null;
  return (
    <section className="wallboard" aria-label={t('board.title')}>
      <h2>{t('board.title')}</h2>
      <dl className="figures">
        <dt>{t('board.waiting')}</dt>
        <dd>{board.waiting}</dd>
        <dt>{t('board.longestWait')}</dt>
        <dd>{duration(t, board.longestWaitSeconds * 1000)}</dd>
        <dt>{t('board.onCall')}</dt>
        <dd>{board.onCall}</dd>
        <dt>{t('board.free')}</dt>
        <dd>{board.free}</dd>
        <dt>{t('board.away')}</dt>
        <dd>{board.away}</dd>
        <dt>{t('board.today')}</dt>
        <dd>{t('board.inOut', { in: board.today.in, out: board.today.out })}</dd>
      </dl>
      <h3>{t('board.missed')}</h3>
      {missed.length === 0 ? (
        <p className="muted">{t('board.noMissed')}</p>
      ) : (
        <table>
          <tbody>
            {missed.map((call) => (
              <tr key={call.id}>
                <td>{time(locale, call.startedAt)}</td>
                <td>{call.contactName ?? t('pop.newCaller')}</td>
                <td>{call.number}</td>
                <td>{call.queueWaitSeconds !== null ? duration(t, call.queueWaitSeconds * 1000) : ''}</td>
                <td>
                  <DialLink what={{ callId: call.id }}>
                    <a href={`tel:${call.number}`}>{call.number}</a>
                  </DialLink>{' '}
                  <button type="button" className="ghost" onClick={() => void request('POST', `/api/v1/calls/${call.id}/handled`).then(load)}>
                    {t('board.handled')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
