import { ChannelChip } from './channel-chip.tsx';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { api, ApiError, type Considered, type Agent, type AgentRow, type CannedAnswer, type Conversation, type Label, type Message, type ReplyWindow, type Suggestion, type Team } from '../api.ts';
import { channelName, fold, time } from '../format.ts';
import { useI18n, type Translate } from '../i18n/index.ts';
import type { LiveFeed } from '../live.ts';
import { navigate } from '../route.ts';
import { ContactPanel } from './contact-panel.tsx';
import { ConversationLabels } from './labels.tsx';
import { ErrorLine } from './error-line.tsx';
import { MessageFiles } from './message-files.tsx';
import { useUploads, UploadList } from './reply-files.tsx';

type LoadState = { kind: 'loading' } | { kind: 'forbidden' } | { kind: 'transferred' } | { kind: 'missing' } | { kind: 'error'; detail: string } | { kind: 'ready' };

/** Tells the conversation list that one conversation changed in a way the live feed may not
 * report (it says nothing once a conversation leaves the agent's teams). */
export const announceChange = (id: number) => window.dispatchEvent(new CustomEvent('inbox:changed', { detail: { id } }));

const panelKey = 'inbox.contactPanel';

export function ConversationView({ id, agent, live, teams, agents, labels }: { id: number; agent: Agent; live: LiveFeed; teams: Team[]; agents: AgentRow[]; labels: Label[] }) {
  const { t, locale } = useI18n();
  const [state, setState] = useState<LoadState>({ kind: 'loading' });
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [window_, setWindow] = useState<ReplyWindow | null>(null);
  const [citizenTyping, setCitizenTyping] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [panel, setPanel] = useState(() => localStorage.getItem(panelKey) === 'open');
  const bottomRef = useRef<HTMLDivElement>(null);

  const fail = useCallback((e: unknown) => {
    if (e instanceof ApiError && e.status === 403) setState({ kind: 'forbidden' });
    else if (e instanceof ApiError && e.status === 404) setState({ kind: 'missing' });
    else setState({ kind: 'error', detail: e instanceof Error ? e.message : String(e) });
  }, []);

  const loadConversation = useCallback(async () => {
    const [c, w] = await Promise.all([api.conversation(id), api.window(id)]);
    setConversation(c);
    setWindow(w);
  }, [id]);
  const loadMessages = useCallback(async () => setMessages((await api.messages(id)).items), [id]);

  useEffect(() => {
    Promise.all([loadConversation(), loadMessages()])
      .then(() => setState({ kind: 'ready' }))
      .catch(fail);
  }, [loadConversation, loadMessages, fail]);

  useEffect(() => {
    let typingTimer: ReturnType<typeof setTimeout> | undefined;
    const off = live.on((event) => {
      if (event.conversationId !== id) return;
      if (event.type === 'attachment.updated') {
        void loadMessages().catch(() => undefined);
      } else if (event.type === 'message.created' || event.type === 'message.updated') {
        if (event.type === 'message.created' && event.direction === 'in') setCitizenTyping(false);
        void loadMessages().catch(() => undefined);
        // A new citizen message re-opens a channel window (Zalo, Messenger): fetch it again.
        void api.window(id).then(setWindow).catch(() => undefined);
      } else if (event.type === 'conversation.typing' && event.by === 'contact') {
        setCitizenTyping(true);
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => setCitizenTyping(false), 6000);
      } else if (event.type === 'conversation.labels' && Array.isArray(event.labelIds)) {
        const labelIds = event.labelIds as number[];
        setConversation((c) => (c ? { ...c, labelIds } : c));
      } else if (event.type !== 'conversation.typing') {
        void loadConversation().catch(fail);
      }
    });
    return () => {
      off();
      clearTimeout(typingTimer);
    };
  }, [id, live, loadConversation, loadMessages, fail]);

  useEffect(() => {
    bottomRef.current?.scrollIntoView({ block: 'end' });
  }, [messages.length]);

  const change = async (body: Parameters<typeof api.change>[1]) => {
    setNotice(null);
    try {
      await api.change(id, body);
      announceChange(id);
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) setState({ kind: 'forbidden' });
      else setNotice(t('app.error', { detail: e instanceof Error ? e.message : String(e) }));
      return;
    }
    try {
      await loadConversation();
      setNotice(t('conv.changed'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) {
        // Moved out of the agent's teams: they may no longer see it.
        setState({ kind: 'transferred' });
      } else setNotice(t('app.error', { detail: e instanceof Error ? e.message : String(e) }));
    }
  };

  if (state.kind !== 'ready' || !conversation) {
    const text =
      state.kind === 'forbidden' ? t('conv.forbidden') : state.kind === 'transferred' ? t('conv.transferred') : state.kind === 'missing' ? t('conv.notFound') : state.kind === 'error' ? t('app.error', { detail: state.detail }) : t('app.loading');
    return (
      <div className="conversation">
        <button type="button" className="ghost back" onClick={() => navigate({ name: 'list' })}>
          {t('conv.back')}
        </button>
        <p className={state.kind === 'loading' ? 'empty' : 'refusal'} role={state.kind === 'loading' ? undefined : 'alert'}>
          {text}
        </p>
      </div>
    );
  }

  const c = conversation;
  const lastCitizenText = [...messages].reverse().find((m) => m.direction === 'in' && m.text)?.text ?? '';
  return (
    <div className="conversation">
      <header className="conv-head">
        <button type="button" className="ghost back" onClick={() => navigate({ name: 'list' })}>
          {t('conv.back')}
        </button>
        <div className="who">
          <h2>{c.contactName ?? t('list.noName')}</h2>
          <span className="meta">
            <ChannelChip channel={c.channel} /> #{c.id} · {t(`status.${c.status}`)} · {t(`conv.handler.${c.handler}`)}
            {c.contactPhone && <> · {c.contactPhone}</>}
            {c.contactEmail && <> · {c.contactEmail}</>}
          </span>
          <ConversationLabels conversationId={c.id} labelIds={c.labelIds} labels={labels} onChange={(labelIds) => setConversation({ ...c, labelIds })} />
        </div>
        <div className="actions">
          <label>
            {t('conv.assignTeam')}
            <select aria-label={t('conv.assignTeam')} value={c.teamId ?? ''} onChange={(e) => void change(transfer(c, e.target.value ? Number(e.target.value) : null, teams, agents))}>
              <option value="">{t('conv.noTeam')}</option>
              {teams.map((team) => (
                <option key={team.id} value={team.id}>
                  {team.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('conv.assignAgent')}
            <select aria-label={t('conv.assignAgent')} value={c.assigneeId ?? ''} onChange={(e) => void change({ assigneeId: e.target.value ? Number(e.target.value) : null })}>
              <option value="">{t('conv.noAssignee')}</option>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.displayName} ({t(`presence.${a.presence}`)})
                </option>
              ))}
            </select>
          </label>
          {c.assigneeId !== agent.id && (
            <button type="button" onClick={() => void change({ assigneeId: agent.id })}>
              {t('conv.assignMe')}
            </button>
          )}
          {c.status === 'resolved' ? (
            <button type="button" onClick={() => void change({ status: 'open' })}>
              {t('conv.reopen')}
            </button>
          ) : (
            <button type="button" onClick={() => void change({ status: 'resolved' })}>
              {t('conv.resolve')}
            </button>
          )}
          {c.handler === 'human' && (
            <button type="button" className="ghost" onClick={() => void change({ handler: 'bot' })}>
              {t('conv.toBot')}
            </button>
          )}
          <button
            type="button"
            className="ghost"
            aria-expanded={panel}
            aria-controls="contact-panel"
            onClick={() => {
              localStorage.setItem(panelKey, panel ? 'closed' : 'open');
              setPanel(!panel);
            }}
          >
            {t('contact.toggle')}
          </button>
        </div>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
      </header>
      <div className="conv-main">
        <div className="conv-thread">
          <ol className="messages" aria-live="polite" tabIndex={0} aria-label={t('conv.messagesLabel')}>
            {messages.map((m) => (
              <MessageItem key={m.id} m={m} t={t} locale={locale} agents={agents} teams={teams} />
            ))}
          </ol>
          {citizenTyping && <p className="typing">{t('conv.typing')}</p>}
          <div ref={bottomRef} />
          {c.handler === 'human' && <ConsideredPanel conversationId={c.id} version={messages.length} onSent={() => void loadMessages()} />}
          <Composer conversation={c} agent={agent} window_={window_} live={live} lastCitizenText={lastCitizenText} onSent={() => void loadMessages().then(() => api.window(id).then(setWindow))} />
        </div>
        {panel && (
          <ContactPanel
            contactId={c.contactId}
            currentConversationId={c.id}
            onChanged={(conversationIds) => {
              for (const changed of new Set([id, ...conversationIds])) announceChange(changed);
              void loadConversation().catch(fail);
            }}
          />
        )}
      </div>
    </div>
  );
}

/** Moving to another team puts the conversation in that team's queue, unless its assignee
 * belongs to that team too. */
function transfer(c: Conversation, teamId: number | null, teams: Team[], agents: AgentRow[]) {
  const key = teams.find((team) => team.id === teamId)?.key;
  const assignee = agents.find((a) => a.id === c.assigneeId);
  return assignee && key && assignee.teams.includes(key) ? { teamId } : { teamId, assigneeId: null };
}

function senderLabel(t: Translate, m: Message, agents: AgentRow[]): string {
  if (m.direction === 'in') return t('msg.citizen');
  if (m.direction === 'note') return `${t('msg.note')} · ${agentName(m.senderRef, agents) ?? t('msg.agent')}`;
  if (m.senderType === 'bot') return t('msg.bot');
  if (m.senderType === 'agent') return agentName(m.senderRef, agents) ?? t('msg.agent');
  return t('msg.system');
}

function agentName(ref: string | null, agents: AgentRow[]): string | undefined {
  const match = ref ? /^agent:(\d+)$/.exec(ref) : null;
  return match ? agents.find((a) => a.id === Number(match[1]))?.displayName : undefined;
}


/** Emptied by an erasure or the retention sweep: no text, no file, no detail left. */
const isErased = (m: Message) => m.text === null && !m.attachments?.length && m.metadata === null;

/** Route changes are stored without text (their detail is in metadata): say what changed. */
function activityText(t: Translate, m: Message, agents: AgentRow[], teams: Team[]): string {
  if (m.text) return m.text;
  if (isErased(m)) return t('msg.erased');
  const to = (m.metadata as { to?: { teamId?: number | null; assigneeId?: number | null } } | null)?.to ?? {};
  const by = agentName(m.senderRef, agents);
  const parts: string[] = [];
  if (to.teamId !== undefined) parts.push(t('activity.team', { team: teams.find((team) => team.id === to.teamId)?.name ?? t('conv.noTeam') }));
  if (to.assigneeId !== undefined) parts.push(to.assigneeId === null ? t('activity.unassigned') : t('activity.assignee', { agent: agents.find((a) => a.id === to.assigneeId)?.displayName ?? `#${to.assigneeId}` }));
  return `${parts.join(', ')}${by ? ` (${by})` : ''}`;
}

function MessageItem({ m, t, locale, agents, teams }: { m: Message; t: Translate; locale: string; agents: AgentRow[]; teams: Team[] }) {
  if (m.direction === 'activity') {
    return (
      <li className="activity" data-message-id={m.id}>
        <span>{activityText(t, m, agents, teams)}</span> <time dateTime={m.createdAt}>{time(locale, m.createdAt)}</time>
      </li>
    );
  }
  const kind = m.direction === 'in' ? 'in' : m.direction === 'note' ? 'note' : m.senderType === 'bot' ? 'out bot' : 'out';
  const statusKey = `msg.status.${m.status}` as Parameters<Translate>[0];
  return (
    <li className={`message ${kind}`} data-message-id={m.id}>
      <div className="bubble">
        <div className="sender">
          {senderLabel(t, m, agents)}
          {m.senderType === 'bot' && m.direction === 'out' && <span className="chip bot">{t('list.bot')}</span>}
          {(m.metadata as { imported?: boolean } | null)?.imported === true && (
            <span className="chip imported" title={t('msg.importedHint')}>
              {t('msg.imported')}
            </span>
          )}
        </div>
        {m.text !== null && <div className="text">{m.text}</div>}
        {isErased(m) && <div className="text erased">{t('msg.erased')}</div>}
        <MessageFiles files={m.attachments ?? []} t={t} locale={locale} />
        <div className="foot">
          <time dateTime={m.createdAt}>{time(locale, m.createdAt)}</time>
          {m.direction === 'out' && <span className={`delivery d-${m.status}`}>{t(statusKey) === statusKey ? m.status : t(statusKey)}</span>}
        </div>
        {m.direction === 'out' && m.status === 'failed' && m.error && <div className="failure">{t('msg.failedReason', { reason: m.error })}</div>}
      </div>
    </li>
  );
}

/** "Zalo: còn 41 giờ và 6 lượt trả lời miễn phí", from the window the channel reports. */
export function windowText(t: Translate, channel: string, w: ReplyWindow, now = Date.now()): string | null {
  const parts: string[] = [];
  if (w.closesAt) parts.push(t('window.hours', { channel: channelName(t, channel), hours: Math.max(0, Math.floor((Date.parse(w.closesAt) - now) / 3_600_000)) }));
  if (w.remainingReplies !== undefined) parts.push(t('window.replies', { remaining: w.remainingReplies }));
  if (!parts.length) return null;
  if (!w.closesAt) parts[0] = `${channelName(t, channel)}: ${parts[0]}`;
  return parts.join(t('window.and'));
}

/** The `/shortcut` being typed just before the caret, if any: where it starts and what it says. */
export function slashToken(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(?:^|\s)\/([\p{L}\p{N}._-]*)$/u.exec(before);
  return match ? { start: caret - match[1]!.length - 1, query: match[1]! } : null;
}

/** Canned answers for what follows the `/`: shortcuts that start with it first, then titles that hold it. */
export function matchCanned(answers: CannedAnswer[], query: string): CannedAnswer[] {
  const q = fold(query);
  const byShortcut = answers.filter((a) => a.shortcut.startsWith(q));
  const byTitle = answers.filter((a) => !byShortcut.includes(a) && q && fold(a.title).includes(q));
  return [...byShortcut, ...byTitle].slice(0, 8);
}

function Composer({ conversation, agent, window_, live, lastCitizenText, onSent }: { conversation: Conversation; agent: Agent; window_: ReplyWindow | null; live: LiveFeed; lastCitizenText: string; onSent(): void }) {
  const { t, locale, channels } = useI18n();
  // The channel's form asking the citizen to share name and phone (Zalo OA's request-info template).
  const canRequestInfo = channels.some((c) => c.key === conversation.channel && c.features.includes('request_contact_info'));
  const [infoRequested, setInfoRequested] = useState(false);
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const uploads = useUploads();
  const picker = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [canned, setCanned] = useState<CannedAnswer[]>([]);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const [note, setNote] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [suggestion, setSuggestion] = useState<Suggestion | null>(null);
  const [suggestNone, setSuggestNone] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const closed = window_ !== null && !window_.open;

  useEffect(() => {
    void api
      .cannedAnswers()
      .then((all) => setCanned(all.filter((a) => a.teamId === null || conversation.teamId === a.teamId || agent.teamIds.includes(a.teamId))))
      .catch(() => undefined);
  }, [conversation.teamId, agent.teamIds]);

  const token = slashToken(text, caret);
  const choices = token && token.start !== dismissed ? matchCanned(canned, token.query) : [];
  const picking = choices.length > 0;
  const activeIndex = Math.min(active, Math.max(0, choices.length - 1));

  const insert = (answer: CannedAnswer) => {
    if (!token) return;
    const next = text.slice(0, token.start) + answer.body + text.slice(caret);
    const at = token.start + answer.body.length;
    setText(next);
    setCaret(at);
    setActive(0);
    if (answer.attachmentId && !note) {
      void api
        .cannedFile(answer.id)
        .then(uploads.addReady)
        .catch((e: unknown) => setError(t('file.uploadFailed', { name: answer.title, detail: e instanceof Error ? e.message : String(e) })));
    }
    requestAnimationFrame(() => {
      box.current?.focus();
      box.current?.setSelectionRange(at, at);
    });
  };

  // r: focus the reply box (not while typing elsewhere).
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key !== 'r' || event.ctrlKey || event.metaKey || event.altKey || target.closest('input, textarea, select, [contenteditable]')) return;
      event.preventDefault();
      box.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const send = async () => {
    const body = text.trim();
    const fileIds = note ? [] : uploads.ready;
    if ((!body && !fileIds.length) || busy || uploads.uploading || (closed && !note)) return;
    setBusy(true);
    setError(null);
    try {
      await api.send(conversation.id, body, note, fileIds);
      uploads.clear();
      setText('');
      setCaret(0);
      setDismissed(null);
      onSent();
    } catch (e) {
      setError(t('reply.failed', { detail: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (picking && !event.ctrlKey && !event.metaKey && !event.altKey) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        setActive((activeIndex + (event.key === 'ArrowDown' ? 1 : choices.length - 1)) % choices.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        insert(choices[activeIndex]!);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setDismissed(token!.start);
        return;
      }
    }
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void send();
    } else if (event.key === 'Escape') {
      box.current?.blur();
    }
  };

  const suggest = async () => {
    setSuggestNone(false);
    setSuggestion(null);
    try {
      const s = await api.suggest(lastCitizenText.slice(0, 5000));
      if (s.decision === 'answer' && s.entryId) setSuggestion(s);
      else setSuggestNone(true);
    } catch (e) {
      setError(t('app.error', { detail: e instanceof Error ? e.message : String(e) }));
    }
  };

  const status = window_ ? windowText(t, conversation.channel, window_) : null;
  return (
    <form
      className={`composer ${note ? 'is-note' : ''} ${dragging ? 'dragging' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
      onDragOver={(e) => {
        if (note || !e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        setDragging(false);
        if (note || !e.dataTransfer.files.length) return;
        e.preventDefault();
        uploads.add(e.dataTransfer.files);
      }}
    >
      {dragging && <p className="drop-hint">{t('file.drop')}</p>}
      {window_ && (
        <p className={`window ${window_.open ? 'open' : 'closed'}`} role="status">
          {status ?? (window_.open ? t('window.open') : t('window.closed'))}
          {window_.reason && <span className="reason"> {window_.reason}</span>}
        </p>
      )}
      {suggestion && (
        <div className="suggestion">
          <p>{t('suggest.found', { entry: suggestion.title ?? suggestion.entryId ?? '', score: Math.round(suggestion.score * 100) })}</p>
          {suggestion.answer ? (
            <>
              <blockquote>{suggestion.answer}</blockquote>
              <button
                type="button"
                onClick={() => {
                  setText((current) => (current ? `${current}\n${suggestion.answer}` : suggestion.answer!));
                  setSuggestion(null);
                  box.current?.focus();
                }}
              >
                {t('suggest.insert')}
              </button>
            </>
          ) : (
            <p className="hint">{t('suggest.noText')}</p>
          )}
        </div>
      )}
      {suggestNone && <p className="hint">{t('suggest.none')}</p>}
      {picking && (
        <ul className="canned-picker" id="canned-picker" role="listbox" aria-label={t('canned.picker')}>
          {choices.map((answer, i) => (
            <li
              key={answer.id}
              id={`canned-${answer.id}`}
              role="option"
              aria-selected={i === activeIndex}
              onMouseDown={(e) => {
                // Keeps the focus (and the caret) in the reply box.
                e.preventDefault();
                insert(answer);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span className="shortcut">/{answer.shortcut}</span> <strong>{answer.title}</strong>
              <span className="preview">{answer.body}</span>
            </li>
          ))}
        </ul>
      )}
      <textarea
        ref={box}
        name="reply"
        aria-label={note ? t('reply.notePlaceholder') : t('reply.placeholder')}
        placeholder={note ? t('reply.notePlaceholder') : t('reply.placeholder')}
        aria-autocomplete="list"
        aria-controls={picking ? 'canned-picker' : undefined}
        aria-activedescendant={picking ? `canned-${choices[activeIndex]!.id}` : undefined}
        value={text}
        rows={3}
        maxLength={10_000}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
        onChange={(e) => {
          setText(e.target.value);
          setCaret(e.target.selectionStart);
          if (dismissed !== null && !slashToken(e.target.value, e.target.selectionStart)) setDismissed(null);
          if (!note && Date.now() - lastTyping.current > 3000) {
            lastTyping.current = Date.now();
            live.typing(conversation.id);
          }
        }}
        onKeyDown={onKeyDown}
      />
      <UploadList uploads={uploads} t={t} locale={locale} />
      {note && uploads.files.length > 0 && <p className="hint">{t('file.noNote')}</p>}
      <ErrorLine message={error} />
      <div className="composer-bar">
        <label className="toggle">
          <input type="checkbox" checked={note} onChange={(e) => setNote(e.target.checked)} /> {t('reply.note')}
        </label>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          onChange={(e) => {
            if (e.target.files?.length) uploads.add(e.target.files);
            e.target.value = '';
          }}
        />
        <button type="button" className="ghost attach" disabled={note} onClick={() => picker.current?.click()}>
          {t('file.attach')}
        </button>
        <button type="button" className="ghost" disabled={!lastCitizenText} onClick={() => void suggest()}>
          {t('suggest.button')}
        </button>
        {canRequestInfo && (
          <button
            type="button"
            className="ghost"
            title={t('requestInfo.hint')}
            disabled={busy || closed || infoRequested}
            onClick={() => {
              setError(null);
              api
                .requestContactInfo(conversation.id)
                .then(() => {
                  setInfoRequested(true);
                  onSent();
                })
                .catch((e: unknown) => setError(t('app.error', { detail: e instanceof Error ? e.message : String(e) })));
            }}
          >
            {infoRequested ? t('requestInfo.sent') : t('requestInfo.button')}
          </button>
        )}
        {canned.length > 0 && <span className="hint">{t('canned.hint')}</span>}
        <span className="spacer" />
        <button type="submit" disabled={busy || uploads.uploading || (!text.trim() && (note || !uploads.ready.length)) || (closed && !note)}>
          {busy ? t('reply.sending') : note ? t('reply.saveNote') : t('reply.send')}
        </button>
      </div>
    </form>
  );
}

/**
 * On a conversation the bot handed to people: the knowledge-base entries it considered, how well
 * each matched and why it did not answer; one click sends an entry as the operator's reply (the
 * operator's choice, recorded on the message).
 */
function ConsideredPanel({ conversationId, version, onSent }: { conversationId: number; version: number; onSent(): void }) {
  const { t } = useI18n();
  const [considered, setConsidered] = useState<Considered | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.consideredEntries(conversationId).then(setConsidered, () => setConsidered(null));
  }, [conversationId, version]);
  if (!considered || considered.entries.length === 0) return null;
  const send = async (entryId: string) => {
    setError(null);
    try {
      await api.sendConsideredEntry(conversationId, entryId);
      setSent(entryId);
      onSent();
    } catch (e) {
      setError(t('app.error', { detail: e instanceof Error ? e.message : String(e) }));
    }
  };
  const reasonKey = `considered.why.${considered.reason ?? 'low_confidence'}` as Parameters<typeof t>[0];
  return (
    <details className="considered" open>
      <summary>{t('considered.heading')}</summary>
      <p className="hint">{t('considered.reason', { reason: t(reasonKey) === reasonKey ? (considered.reason ?? '') : t(reasonKey) })}</p>
      <ul>
        {considered.entries.map((e) => (
          <li key={e.entryId} data-entry-id={e.entryId}>
            <strong>{e.title}</strong> {e.score !== null && <span className="hint">{t('considered.score', { score: Math.round(e.score * 100) })}</span>}{' '}
            <span className={`chip review-${e.reviewState}`}>{t(`admin.kb.state.${e.reviewState}` as Parameters<typeof t>[0])}</span>
            {e.suggested && <span className="chip">{t('considered.suggested')}</span>}
            <blockquote>{e.answer}</blockquote>
            {sent === e.entryId ? (
              <span role="status">{t('considered.sent')}</span>
            ) : (
              <button type="button" onClick={() => void send(e.entryId)}>
                {t('considered.send')}
              </button>
            )}
          </li>
        ))}
      </ul>
      <ErrorLine message={error} />
    </details>
  );
}
