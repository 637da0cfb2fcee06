import { ChannelChip } from './channel-chip.tsx';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, isOverseer, type Agent, type ConversationQuery, type ConversationSummary, type Label, type Team } from '../api.ts';
import { channelName, duration } from '../format.ts';
import { useI18n } from '../i18n/index.ts';
import type { LiveEvent, LiveFeed } from '../live.ts';
import { navigate } from '../route.ts';
import { countIncoming, markSeen, readUnread, unreadOf } from '../unread.ts';
import { LabelChip } from './labels.tsx';

export type Tab = 'mine' | 'unassigned' | 'teams' | 'all';
const tabKey = 'inbox.tab';

/** Which conversations a tab shows; the server has already limited them to what the agent may see. */
export function inTab(tab: Tab, c: ConversationSummary, agent: Agent): boolean {
  switch (tab) {
    case 'mine':
      return c.assigneeId === agent.id;
    case 'unassigned':
      return c.assigneeId === null;
    case 'teams':
      return c.teamId !== null && agent.teamIds.includes(c.teamId);
    case 'all':
      return true;
  }
}

const waitingOf = (c: ConversationSummary) => c.waitingSince ?? c.lastInboundAt ?? c.createdAt;
const newestFirst = (a: ConversationSummary, b: ConversationSummary) => b.lastMessageAt.localeCompare(a.lastMessageAt) || b.id - a.id;

/** A day picked in a date input (local time), as the instant it starts or ends. */
const dayStart = (day: string) => (day ? new Date(`${day}T00:00:00`).toISOString() : undefined);
const dayEnd = (day: string) => (day ? new Date(`${day}T23:59:59.999`).toISOString() : undefined);

/**
 * Applies a live event to a listed conversation. Returns null when the event says nothing the
 * list shows, so the caller fetches the conversation instead (it may have just become visible).
 */
export function patchFromEvent(c: ConversationSummary, event: LiveEvent, now: string): ConversationSummary | null {
  switch (event.type) {
    case 'message.created': {
      const next = { ...c, lastMessageAt: now };
      if (event.direction === 'in') next.lastInboundAt = now;
      if (event.conversationOpened) Object.assign(next, { status: 'open', resolvedAt: null });
      return next;
    }
    case 'conversation.updated':
      return typeof event.status === 'string' ? { ...c, status: event.status as ConversationSummary['status'] } : null;
    case 'conversation.assigned':
      return {
        ...c,
        assigneeId: event.agentId ?? null,
        teamId: event.teamId !== undefined ? event.teamId : c.teamId,
        ...(event.agentId ? { handler: 'human' as const } : {}),
      };
    case 'conversation.handoff':
      return { ...c, teamId: event.teamId ?? c.teamId, handler: 'human', waitingSince: c.waitingSince ?? now };
    case 'conversation.labels':
      return Array.isArray(event.labelIds) ? { ...c, labelIds: event.labelIds as number[] } : null;
    default:
      return c;
  }
}

export function ConversationList({ agent, live, teams, labels, selectedId }: { agent: Agent; live: LiveFeed; teams: Team[]; labels: Label[]; selectedId: number | null }) {
  const { t, channels } = useI18n();
  const overseer = isOverseer(agent);
  const tabs: Tab[] = overseer ? ['mine', 'unassigned', 'teams', 'all'] : ['mine', 'unassigned', 'teams'];
  const [tab, setTab] = useState<Tab>(() => {
    const saved = localStorage.getItem(tabKey) as Tab | null;
    return saved && tabs.includes(saved) ? saved : 'mine';
  });
  const [status, setStatus] = useState('open');
  const [channel, setChannel] = useState('');
  const [labelId, setLabelId] = useState('');
  const [fromDay, setFromDay] = useState('');
  const [toDay, setToDay] = useState('');
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [items, setItems] = useState<ConversationSummary[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [unread, setUnread] = useState(readUnread);
  const [now, setNow] = useState(() => Date.now());
  const listRef = useRef<HTMLUListElement>(null);

  // Typing in the search box asks the server once the agent pauses.
  useEffect(() => {
    const timer = setTimeout(() => setQ(search.trim()), 300);
    return () => clearTimeout(timer);
  }, [search]);

  const query = useMemo<ConversationQuery>(
    () => ({
      status: status || undefined,
      channel: channel || undefined,
      labelId: labelId ? Number(labelId) : undefined,
      from: dayStart(fromDay),
      to: dayEnd(toDay),
      q: q || undefined,
      ...(tab === 'mine' ? { assigneeId: agent.id } : {}),
    }),
    [status, channel, labelId, fromDay, toDay, q, tab, agent.id],
  );

  /** Whether a conversation belongs in the list under the current filters (search aside). */
  const fits = useCallback(
    (c: ConversationSummary) =>
      (!query.status || c.status === query.status) &&
      (!query.channel || c.channel === query.channel) &&
      (query.labelId === undefined || c.labelIds.includes(query.labelId)) &&
      (!query.from || c.lastMessageAt >= query.from) &&
      (!query.to || c.lastMessageAt <= query.to) &&
      (query.assigneeId === undefined || c.assigneeId === query.assigneeId),
    [query],
  );

  const load = useCallback(async () => {
    const page = await api.conversations(query);
    setItems(page.items);
    setNextCursor(page.nextCursor);
  }, [query]);

  useEffect(() => {
    void load().catch(() => undefined);
  }, [load]);

  // Live: each event patches the one conversation it names; only a conversation the list does
  // not hold yet (new, or just moved into the agent's teams) is fetched, alone.
  const upsert = useCallback(
    (c: ConversationSummary | null, id: number) =>
      setItems((current) => {
        const rest = current.filter((x) => x.id !== id);
        return c && fits(c) ? [...rest, c].sort(newestFirst) : rest;
      }),
    [fits],
  );
  const fetching = useRef(new Map<number, ReturnType<typeof setTimeout>>());
  const fetchOne = useCallback(
    (id: number) => {
      // A burst about one conversation (message, handoff, assignment) is one request.
      clearTimeout(fetching.current.get(id));
      fetching.current.set(
        id,
        setTimeout(() => {
          fetching.current.delete(id);
          api
            .conversation(id)
            .then((c) => upsert(c, id))
            .catch((e: unknown) => {
              if (e instanceof ApiError && (e.status === 403 || e.status === 404)) upsert(null, id);
            });
        }, 150),
      );
    },
    [upsert],
  );

  const itemsRef = useRef(items);
  itemsRef.current = items;
  useEffect(() => {
    const off = live.on((event) => {
      const id = event.conversationId;
      if (id === undefined || event.type === 'conversation.typing' || event.type === 'message.updated') return;
      if (event.type === 'message.created' && event.direction === 'in' && !event.history && id !== selectedId) setUnread(countIncoming(id));
      const known = itemsRef.current.find((c) => c.id === id);
      const patched = known ? patchFromEvent(known, event, new Date().toISOString()) : null;
      // A search result cannot be judged here: only what the server matched stays listed.
      if (patched) upsert(patched, id);
      else if (!query.q) fetchOne(id);
    });
    // Events missed while the socket was down: one full reload once it is back.
    let wasDown = false;
    const offStatus = live.onStatus((connected) => {
      if (!connected) wasDown = true;
      else if (wasDown) {
        wasDown = false;
        void load().catch(() => undefined);
      }
    });
    const onChanged = (event: Event) => {
      const id = (event as CustomEvent<{ id?: number }>).detail?.id;
      if (id !== undefined) fetchOne(id);
      else void load().catch(() => undefined);
    };
    window.addEventListener('inbox:changed', onChanged);
    return () => {
      off();
      offStatus();
      window.removeEventListener('inbox:changed', onChanged);
    };
  }, [live, load, fetchOne, upsert, selectedId, query.q]);

  useEffect(() => {
    const pending = fetching.current;
    return () => {
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    };
  }, []);

  useEffect(() => {
    if (selectedId !== null) setUnread(markSeen(selectedId));
  }, [selectedId]);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);

  const shown = useMemo(() => {
    const list = items.filter((c) => inTab(tab, c, agent));
    // Unassigned: the longest-waiting citizen first; elsewhere the most recent activity first.
    if (tab === 'unassigned') list.sort((a, b) => waitingOf(a).localeCompare(waitingOf(b)));
    return list;
  }, [items, tab, agent]);

  // j / k: next / previous conversation (not while typing).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.ctrlKey || event.metaKey || event.altKey || target.closest('input, textarea, select, [contenteditable]')) return;
      if (event.key !== 'j' && event.key !== 'k') return;
      const index = shown.findIndex((c) => c.id === selectedId);
      const next = shown[event.key === 'j' ? Math.min(shown.length - 1, index + 1) : Math.max(0, index - 1)];
      if (next) {
        event.preventDefault();
        navigate({ name: 'conversation', id: next.id });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [shown, selectedId]);

  useEffect(() => {
    listRef.current?.querySelector('[aria-current="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const teamName = (id: number | null) => teams.find((team) => team.id === id)?.name ?? '';
  const loadMore = async () => {
    if (!nextCursor) return;
    const page = await api.conversations({ ...query, cursor: nextCursor });
    setItems((current) => [...current, ...page.items.filter((c) => !current.some((x) => x.id === c.id))]);
    setNextCursor(page.nextCursor);
  };
  const filtered = Boolean(channel || labelId || fromDay || toDay || search);

  return (
    <aside className="list" aria-label={t('nav.inbox')}>
      <div role="tablist" className="tabs">
        {tabs.map((name) => (
          <button
            key={name}
            role="tab"
            type="button"
            aria-selected={tab === name}
            onClick={() => {
              localStorage.setItem(tabKey, name);
              setTab(name);
            }}
          >
            {t(`tabs.${name}`)}
          </button>
        ))}
      </div>
      <div className="search">
        <input type="search" name="q" aria-label={t('filter.search')} placeholder={t('filter.searchPlaceholder')} value={search} maxLength={200} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <div className="filters">
        <label>
          {t('filter.channel')}
          <select value={channel} onChange={(e) => setChannel(e.target.value)}>
            <option value="">{t('filter.any')}</option>
            {channels.map((c) => (
              <option key={c.key} value={c.key}>
                {channelName(t, c.key)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('filter.status')}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t('filter.any')}</option>
            {(['open', 'pending', 'resolved'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('filter.label')}
          <select value={labelId} onChange={(e) => setLabelId(e.target.value)}>
            <option value="">{t('filter.any')}</option>
            {labels.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="filters dates">
        <label>
          {t('filter.from')}
          <input type="date" name="from" value={fromDay} max={toDay || undefined} onChange={(e) => setFromDay(e.target.value)} />
        </label>
        <label>
          {t('filter.to')}
          <input type="date" name="to" value={toDay} min={fromDay || undefined} onChange={(e) => setToDay(e.target.value)} />
        </label>
        {filtered && (
          <button
            type="button"
            className="ghost"
            onClick={() => {
              setChannel('');
              setLabelId('');
              setFromDay('');
              setToDay('');
              setSearch('');
            }}
          >
            {t('filter.clear')}
          </button>
        )}
      </div>
      {shown.length === 0 ? (
        <p className="empty">{q ? t('list.noMatch') : t('list.empty')}</p>
      ) : (
        <ul ref={listRef} className="conversations">
          {shown.map((c) => {
            const count = c.id === selectedId ? 0 : unreadOf(unread, c.id, c.lastInboundAt);
            return (
              <li key={c.id} aria-current={c.id === selectedId} data-conversation-id={c.id}>
                <a
                  href={`/inbox/c/${c.id}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate({ name: 'conversation', id: c.id });
                  }}
                >
                  <span className="row">
                    <span className="name">{c.contactName ?? t('list.noName')}</span>
                    {count > 0 && <span className="badge" aria-label={t('list.unread', { count })}>{count}</span>}
                  </span>
                  <span className="row meta">
                    <ChannelChip channel={c.channel} />
                    <span>#{c.id}</span>
                    {c.teamId !== null && <span>{teamName(c.teamId)}</span>}
                    {c.handler === 'bot' && <span className="chip bot">{t('list.bot')}</span>}
                  </span>
                  {c.labelIds.length > 0 && (
                    <span className="row labels">
                      {c.labelIds.map((id) => {
                        const label = labels.find((l) => l.id === id);
                        return label ? <LabelChip key={id} label={label} /> : null;
                      })}
                    </span>
                  )}
                  <span className="row meta">
                    <span className={`status s-${c.status}`}>{t(`status.${c.status}`)}</span>
                    {c.waitingSince && c.status !== 'resolved' && <span className="waiting">{t('list.waiting', { duration: duration(t, now - Date.parse(c.waitingSince)) })}</span>}
                  </span>
                </a>
              </li>
            );
          })}
        </ul>
      )}
      {nextCursor && (
        <button type="button" className="ghost more" onClick={() => void loadMore()}>
          {t('list.more')}
        </button>
      )}
    </aside>
  );
}
