import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, isOverseer, type Agent, type ConversationSummary, type Team } from '../api.ts';
import { channelName, duration } from '../format.ts';
import { useI18n } from '../i18n/index.ts';
import type { LiveFeed } from '../live.ts';
import { navigate } from '../route.ts';
import { countIncoming, markSeen, readUnread, unreadOf } from '../unread.ts';

export type Tab = 'mine' | 'unassigned' | 'teams' | 'all';
const channels = ['webform', 'webchat', 'zalo-oa', 'zalo-personal', 'messenger', 'email'];
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

export function ConversationList({ agent, live, teams, selectedId }: { agent: Agent; live: LiveFeed; teams: Team[]; selectedId: number | null }) {
  const { t } = useI18n();
  const overseer = isOverseer(agent);
  const tabs: Tab[] = overseer ? ['mine', 'unassigned', 'teams', 'all'] : ['mine', 'unassigned', 'teams'];
  const [tab, setTab] = useState<Tab>(() => {
    const saved = localStorage.getItem(tabKey) as Tab | null;
    return saved && tabs.includes(saved) ? saved : 'mine';
  });
  const [status, setStatus] = useState('open');
  const [channel, setChannel] = useState('');
  const [items, setItems] = useState<ConversationSummary[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [unread, setUnread] = useState(readUnread);
  const [now, setNow] = useState(() => Date.now());
  const listRef = useRef<HTMLUListElement>(null);

  const load = useCallback(async () => {
    const page = await api.conversations({ status: status || undefined, channel: channel || undefined, ...(tab === 'mine' ? { assigneeId: agent.id } : {}) });
    setItems(page.items);
    setNextCursor(page.nextCursor);
  }, [status, channel, tab, agent.id]);

  useEffect(() => {
    void load().catch(() => undefined);
  }, [load]);

  // Live: any event about a conversation refreshes the list (debounced: a burst is one fetch).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = live.on((event) => {
      if (event.conversationId === undefined || event.type === 'conversation.typing') return;
      if (event.type === 'message.created' && event.direction === 'in' && event.conversationId !== selectedId) setUnread(countIncoming(event.conversationId));
      clearTimeout(timer);
      timer = setTimeout(() => void load().catch(() => undefined), 250);
    });
    const onChanged = () => void load().catch(() => undefined);
    window.addEventListener('inbox:changed', onChanged);
    return () => {
      off();
      clearTimeout(timer);
      window.removeEventListener('inbox:changed', onChanged);
    };
  }, [live, load, selectedId]);

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
    const page = await api.conversations({ status: status || undefined, channel: channel || undefined, cursor: nextCursor, ...(tab === 'mine' ? { assigneeId: agent.id } : {}) });
    setItems((current) => [...current, ...page.items.filter((c) => !current.some((x) => x.id === c.id))]);
    setNextCursor(page.nextCursor);
  };

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
      <div className="filters">
        <label>
          {t('filter.channel')}
          <select value={channel} onChange={(e) => setChannel(e.target.value)}>
            <option value="">{t('filter.any')}</option>
            {channels.map((c) => (
              <option key={c} value={c}>
                {channelName(t, c)}
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
      </div>
      {shown.length === 0 ? (
        <p className="empty">{t('list.empty')}</p>
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
                    <span className={`chip ch-${c.channel}`}>{channelName(t, c.channel)}</span>
                    <span>#{c.id}</span>
                    {c.teamId !== null && <span>{teamName(c.teamId)}</span>}
                    {c.handler === 'bot' && <span className="chip bot">{t('list.bot')}</span>}
                  </span>
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
