import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, ApiError, isOverseer, setCsrfToken, type Agent, type AgentRow, type Presence, type Team } from './api.ts';
import { alertsEnabled, notifyNewConversation, setAlertsEnabled } from './alerts.ts';
import { ConversationList } from './components/conversation-list.tsx';
import { ConversationView } from './components/conversation-view.tsx';
import { QueueView } from './components/queue-view.tsx';
import { SignIn } from './components/sign-in.tsx';
import { I18nContext, initialLocale, saveLocale, translator, useI18n, type Locale } from './i18n/index.ts';
import { LiveFeed } from './live.ts';
import { navigate, useRoute } from './route.ts';

export function App() {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const i18n = useMemo(() => ({ locale, t: translator(locale), setLocale: (l: Locale) => (saveLocale(l), setLocaleState(l)) }), [locale]);
  const [agent, setAgent] = useState<Agent | null | undefined>(undefined);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = i18n.t('app.title');
  }, [locale, i18n]);

  useEffect(() => {
    api
      .me()
      .then((me) => {
        setCsrfToken(me.csrfToken);
        setAgent(me.agent);
      })
      .catch(() => setAgent(null));
  }, []);

  return (
    <I18nContext.Provider value={i18n}>
      {agent === undefined ? (
        <p className="loading">{i18n.t('app.loading')}</p>
      ) : agent === null ? (
        <SignIn
          onSignedIn={(signedIn) => {
            setCsrfToken(signedIn.csrfToken);
            setAgent(signedIn.agent);
          }}
        />
      ) : (
        <Workspace agent={agent} onSignedOut={() => setAgent(null)} />
      )}
    </I18nContext.Provider>
  );
}

const presenceKey = 'inbox.presence';

function Workspace({ agent, onSignedOut }: { agent: Agent; onSignedOut(): void }) {
  const { t, locale, setLocale } = useI18n();
  const route = useRoute();
  const [presence, setPresence] = useState<Presence>(() => (localStorage.getItem(presenceKey) as Presence | null) ?? 'online');
  // One feed per signed-in workspace; presence changes go through setPresence, not a new socket.
  const [live] = useState(() => new LiveFeed(presence));
  const [connected, setConnected] = useState(true);
  const [alerts, setAlerts] = useState(alertsEnabled);
  const [teams, setTeams] = useState<Team[]>([]);
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    live.start();
    const offStatus = live.onStatus(setConnected);
    return () => {
      offStatus();
      live.stop();
    };
  }, [live]);

  const reloadAgents = useCallback(() => void api.agents().then(setAgents).catch(() => undefined), []);
  useEffect(() => {
    void api.teams().then(setTeams).catch(() => undefined);
    reloadAgents();
    return live.on((event) => {
      if (event.type === 'agent.presence') reloadAgents();
      if (event.type === 'message.created' && event.conversationOpened && event.direction === 'in' && event.conversationId !== undefined) {
        const id = event.conversationId;
        notifyNewConversation(t('notify.newConversation', { id }), t('notify.newConversationBody'), () =>
          navigate({ name: 'conversation', id }),
        );
      }
    });
  }, [live, reloadAgents, t]);

  const changePresence = (next: Presence) => {
    localStorage.setItem(presenceKey, next);
    setPresence(next);
    live.setPresence(next);
  };

  const signOut = async (everywhere: boolean) => {
    if (everywhere && !window.confirm(t('signOut.confirmEverywhere'))) return;
    try {
      await (everywhere ? api.logoutAll() : api.logout());
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) return setError(e instanceof Error ? e.message : String(e));
    }
    live.stop();
    history.replaceState(null, '', '/inbox');
    onSignedOut();
  };

  const overseer = isOverseer(agent);
  const showList = route.name !== 'queue';
  return (
    <div className="workspace">
      <header className="topbar">
        <strong className="brand">{t('app.title')}</strong>
        <nav>
          <a href="/inbox" className={route.name !== 'queue' ? 'active' : ''} onClick={(e) => (e.preventDefault(), navigate({ name: 'list' }))}>
            {t('nav.inbox')}
          </a>
          {overseer && (
            <a href="/inbox/queue" className={route.name === 'queue' ? 'active' : ''} onClick={(e) => (e.preventDefault(), navigate({ name: 'queue' }))}>
              {t('nav.queue')}
            </a>
          )}
        </nav>
        <span className="spacer" />
        <label className="presence">
          <span className={`dot ${presence}`} aria-hidden="true" />
          <select aria-label={t('presence.label')} value={presence} onChange={(e) => changePresence(e.target.value as Presence)}>
            {(['online', 'away', 'offline'] as const).map((p) => (
              <option key={p} value={p}>
                {t(`presence.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="ghost" title={t('notify.label')} aria-pressed={alerts} onClick={() => void setAlertsEnabled(!alerts).then(() => setAlerts(!alerts))}>
          {alerts ? t('notify.on') : t('notify.off')}
        </button>
        <button type="button" className="ghost" onClick={() => setLocale(locale === 'vi' ? 'en' : 'vi')}>
          {t('lang.switch')}
        </button>
        <span className="me" title={agent.username}>
          {agent.displayName}
        </span>
        <button type="button" className="ghost" onClick={() => void signOut(false)}>
          {t('signOut.here')}
        </button>
        <button type="button" className="ghost" onClick={() => void signOut(true)}>
          {t('signOut.everywhere')}
        </button>
      </header>
      {!connected && <div className="banner warn">{t('app.offline')}</div>}
      {error && (
        <div className="banner error" role="alert">
          {t('app.error', { detail: error })}
        </div>
      )}
      {route.name === 'queue' ? (
        overseer ? (
          <QueueView live={live} teams={teams} agents={agents} />
        ) : (
          <p className="empty">{t('queue.forbidden')}</p>
        )
      ) : (
        <main className={`panes ${route.name === 'conversation' ? 'has-conversation' : ''}`}>
          {showList && <ConversationList agent={agent} live={live} teams={teams} selectedId={route.name === 'conversation' ? route.id : null} />}
          <section className="detail">
            {route.name === 'conversation' ? (
              <ConversationView key={route.id} id={route.id} agent={agent} live={live} teams={teams} agents={agents} />
            ) : (
              <p className="empty">{t('conv.pick')}</p>
            )}
          </section>
        </main>
      )}
      <footer className="shortcuts">{t('nav.shortcuts')}</footer>
    </div>
  );
}
