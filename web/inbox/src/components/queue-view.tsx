import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, type AgentRow, type ConversationSummary, type Team } from '../api.ts';
import { duration } from '../format.ts';
import { useI18n } from '../i18n/index.ts';
import type { LiveFeed } from '../live.ts';
import { navigate } from '../route.ts';
import { patchFromEvent } from './conversation-list.tsx';

const queued = (c: ConversationSummary) => c.status === 'open' || c.status === 'pending';

/** Supervisors' view: who is waiting in each team's queue and for how long, and who is online
 * with how much work. Built from the conversations and agents APIs once, then kept up to date
 * from the live feed one conversation at a time. */
export function QueueView({ live, teams, agents }: { live: LiveFeed; teams: Team[]; agents: AgentRow[] }) {
  const { t } = useI18n();
  const [open, setOpen] = useState<ConversationSummary[]>([]);
  const [now, setNow] = useState(() => Date.now());

  const load = useCallback(async () => {
    const all: ConversationSummary[] = [];
    for (const status of ['open', 'pending'] as const) {
      let cursor: string | undefined;
      do {
        const page = await api.conversations({ status, ...(cursor ? { cursor } : {}) });
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && all.length < 2000);
    }
    setOpen(all);
    setNow(Date.now());
  }, []);

  const openRef = useRef(open);
  openRef.current = open;
  useEffect(() => {
    void load().catch(() => undefined);
    const upsert = (c: ConversationSummary | null, id: number) => setOpen((current) => [...current.filter((x) => x.id !== id), ...(c && queued(c) ? [c] : [])]);
    const timers = new Map<number, ReturnType<typeof setTimeout>>();
    const fetchOne = (id: number) => {
      clearTimeout(timers.get(id));
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          api
            .conversation(id)
            .then((c) => upsert(c, id))
            .catch((e: unknown) => e instanceof ApiError && e.status === 404 && upsert(null, id));
        }, 150),
      );
    };
    const off = live.on((event) => {
      const id = event.conversationId;
      if (id === undefined || event.type === 'conversation.typing' || event.type === 'message.updated') return;
      const known = openRef.current.find((c) => c.id === id);
      const patched = known ? patchFromEvent(known, event, new Date().toISOString()) : null;
      if (patched) upsert(patched, id);
      else fetchOne(id);
    });
    const tick = setInterval(() => setNow(Date.now()), 30_000);
    return () => {
      off();
      for (const timer of timers.values()) clearTimeout(timer);
      clearInterval(tick);
    };
  }, [live, load]);

  const rows = useMemo(() => {
    const waiting = open.filter((c) => c.assigneeId === null && c.handler === 'human');
    const byTeam = new Map<number | null, ConversationSummary[]>();
    for (const c of waiting) byTeam.set(c.teamId, [...(byTeam.get(c.teamId) ?? []), c]);
    const since = (c: ConversationSummary) => Date.parse(c.waitingSince ?? c.lastInboundAt ?? c.createdAt);
    const list = [...teams.map((team) => ({ id: team.id as number | null, name: team.name })), ...(byTeam.has(null) ? [{ id: null, name: t('queue.noTeam') }] : [])];
    return list.map((team) => {
      const items = (byTeam.get(team.id) ?? []).sort((a, b) => since(a) - since(b));
      return { ...team, items, longest: items[0] ? now - since(items[0]) : null };
    });
  }, [open, teams, now, t]);

  const loadOf = (agentId: number) => open.filter((c) => c.assigneeId === agentId).length;
  const order = { online: 0, away: 1, offline: 2 } as const;

  return (
    <main className="queue">
      <h2>{t('queue.title')}</h2>
      <table>
        <thead>
          <tr>
            <th>{t('queue.team')}</th>
            <th>{t('queue.waiting')}</th>
            <th>{t('queue.longest')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id ?? 'none'} className={row.items.length ? 'has-waiting' : ''}>
              <td>{row.name}</td>
              <td className="num">{row.items.length}</td>
              <td>{row.longest !== null ? duration(t, row.longest) : '—'}</td>
              <td className="links">
                {row.items.slice(0, 5).map((c) => (
                  <a
                    key={c.id}
                    href={`/inbox/c/${c.id}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate({ name: 'conversation', id: c.id });
                    }}
                  >
                    #{c.id}
                  </a>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t('queue.agents')}</h2>
      <table>
        <thead>
          <tr>
            <th>{t('queue.agent')}</th>
            <th>{t('queue.presence')}</th>
            <th>{t('queue.load')}</th>
            <th>{t('queue.teams')}</th>
          </tr>
        </thead>
        <tbody>
          {[...agents]
            .sort((a, b) => order[a.presence] - order[b.presence] || a.displayName.localeCompare(b.displayName))
            .map((a) => (
              <tr key={a.id}>
                <td>{a.displayName}</td>
                <td>
                  <span className={`dot ${a.presence}`} aria-hidden="true" /> {t(`presence.${a.presence}`)}
                </td>
                <td className="num">
                  {loadOf(a.id)} / {a.capacity}
                </td>
                <td>{a.teams.map((key) => teams.find((team) => team.key === key)?.name ?? key).join(', ')}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </main>
  );
}
