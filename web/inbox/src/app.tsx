import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type ComponentType } from 'react';
import { api, ApiError, isOverseer, setCsrfToken, type Agent, type AgentRow, type Label, type Presence, type Team } from './api.ts';
import { alertsEnabled, notifyNewConversation, setAlertsEnabled } from './alerts.ts';
import { SignIn } from './components/sign-in.tsx';
import type { ChannelListing } from '../../../src/contracts/channels.ts';
import { I18nContext, initialLocale, loadLocale, loadScreens, saveLocale, translator, useI18n, type Locale } from './i18n/index.ts';
import { LiveFeed } from './live.ts';
import { navigate, useRoute } from './route.ts';
import { ticketsApi } from './tickets/tickets-api.ts';

// The screens behind sign-in load after it, each on first use: the sign-in page needs React and
// its form only (a slow phone link waited 4.4 s for the whole app before).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any props: each screen keeps its own types through the module's export
const screen = <M, K extends keyof M>(load: () => Promise<M>, name: K) => lazy(() => load().then((m) => ({ default: m[name] as ComponentType<any> }))) as unknown as M[K];
const AccountView = screen(() => import('./components/account-view.tsx'), 'AccountView');
const MfaRequired = screen(() => import('./components/account-view.tsx'), 'MfaRequired');
const AdminView = screen(() => import('./components/admin/admin-view.tsx'), 'AdminView');
const ConversationList = screen(() => import('./components/conversation-list.tsx'), 'ConversationList');
const ConversationView = screen(() => import('./components/conversation-view.tsx'), 'ConversationView');
const QueueView = screen(() => import('./components/queue-view.tsx'), 'QueueView');
const CallsView = screen(() => import('./tickets/calls-view.tsx'), 'CallsView');
const ReportView = screen(() => import('./tickets/report-view.tsx'), 'ReportView');
const TicketsView = screen(() => import('./tickets/tickets-view.tsx'), 'TicketsView');
const TicketPrintView = screen(() => import('./tickets/ticket-print-view.tsx'), 'TicketPrintView');
const CreateTicketForm = screen(() => import('./tickets/tickets-view.tsx'), 'CreateTicketForm');
const CareView = screen(() => import('./care/care-view.tsx'), 'CareView');
const PrivacyView = screen(() => import('./privacy/privacy-view.tsx'), 'PrivacyView');
const ScreenPop = screen(() => import('./calls/screen-pop.tsx'), 'ScreenPop');
const Wallboard = screen(() => import('./calls/wallboard.tsx'), 'Wallboard');

/** Unit staff and the province leadership work on tickets only: conversations are the hotline's. */
const ticketsOnly = (agent: Agent) => agent.role === 'unit_officer' || agent.role === 'unit_leader' || agent.role === 'province_leader';

export function App() {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const [agent, setAgent] = useState<Agent | null | undefined>(undefined);
  // The channels and their names come from the server once someone is signed in.
  const [channels, setChannels] = useState<ChannelListing[]>([]);
  // Until a chosen language's catalogue has arrived, the page keeps the one it has.
  const [shown, setShown] = useState<Locale>(locale === 'en' ? 'vi' : locale);
  useEffect(() => {
    let current = true;
    void loadLocale(locale).then(() => current && setShown(locale));
    return () => {
      current = false;
    };
  }, [locale]);
  // The screens' texts come once someone is signed in; until then the page says it is loading.
  const [screensReady, setScreensReady] = useState(false);
  const [screensFailed, setScreensFailed] = useState(false);
  useEffect(() => {
    if (!agent || screensReady) return;
    let current = true;
    void loadScreens().then(
      () => current && setScreensReady(true),
      () => current && setScreensFailed(true),
    );
    return () => {
      current = false;
    };
  }, [agent, screensReady]);
  // `screensReady` is a dependency though unread: the translator reads the catalogues it completed.
  const i18n = useMemo(() => ({ locale: shown, t: translator(shown, channels), setLocale: (l: Locale) => (saveLocale(l), setLocaleState(l)), channels }), [shown, channels, screensReady]);
  const signedIn = Boolean(agent && !agent.mfaSetupRequired);
  useEffect(() => {
    if (signedIn) api.channels().then((list) => setChannels(list.items), () => setChannels([]));
  }, [signedIn]);
  const [signInNotice, setSignInNotice] = useState<string | null>(null);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = i18n.t('app.title');
  }, [locale, i18n]);

  const refreshMe = useCallback(
    () =>
      api
        .me()
        .then((me) => {
          setCsrfToken(me.csrfToken);
          setAgent(me.agent);
        })
        .catch(() => setAgent(null)),
    [],
  );
  useEffect(() => void refreshMe(), [refreshMe]);

  const signedOut = (notice: string | null = null) => {
    history.replaceState(null, '', '/inbox');
    setSignInNotice(notice);
    setAgent(null);
  };

  return (
    <I18nContext.Provider value={i18n}>
      {agent === undefined || (agent !== null && !screensReady) ? (
        <p className="loading" role={screensFailed ? 'alert' : undefined}>
          {i18n.t(screensFailed ? 'app.reloadNeeded' : 'app.loading')}
        </p>
      ) : agent === null ? (
        <SignIn
          notice={signInNotice}
          onSignedIn={(signedIn) => {
            setCsrfToken(signedIn.csrfToken);
            setSignInNotice(null);
            setAgent(signedIn.agent);
          }}
        />
      ) : agent.mfaSetupRequired ? (
        <Suspense fallback={<p className="loading">{i18n.t('app.loading')}</p>}>
          <MfaRequired onEnabled={() => void refreshMe()} onSignOut={() => void api.logout().finally(() => signedOut())} />
        </Suspense>
      ) : (
        <Suspense fallback={<p className="loading">{i18n.t('app.loading')}</p>}>
          <Workspace agent={agent} onSignedOut={signedOut} />
        </Suspense>
      )}
    </I18nContext.Provider>
  );
}

const presenceKey = 'inbox.presence';

function Workspace({ agent, onSignedOut }: { agent: Agent; onSignedOut(notice?: string | null): void }) {
  const { t, locale, setLocale } = useI18n();
  const route = useRoute();
  const [presence, setPresence] = useState<Presence>(() => (localStorage.getItem(presenceKey) as Presence | null) ?? 'online');
  // One feed per signed-in workspace; presence changes go through setPresence, not a new socket.
  const [live] = useState(() => new LiveFeed(presence));
  const [connected, setConnected] = useState(true);
  const [alerts, setAlerts] = useState(alertsEnabled);
  const [teams, setTeams] = useState<Team[]>([]);
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [labels, setLabels] = useState<Label[]>([]);
  const [unitIds, setUnitIds] = useState<number[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void ticketsApi.myUnits().then((mine) => setUnitIds(mine.unitIds)).catch(() => undefined);
    if (ticketsOnly(agent) && (route.name === 'list' || route.name === 'conversation')) navigate({ name: 'tickets', id: null });
    // Deadlines and unhappy citizens are announced where the person is working.
    return live.on((event) => {
      // The servers lost or regained each other: what came through another one may be missing.
      if (event.type === 'cluster.status') {
        setNotice(t(event.state === 'degraded' ? 'cluster.degraded' : 'cluster.recovered'));
        return;
      }
      if (event.type === 'privacy.deadline') {
        const id = Number(event.requestId);
        const message = t(event.state === 'overdue' ? 'privacy.notify.overdue' : 'privacy.notify.acknowledge_overdue', { id });
        setNotice(message);
        notifyNewConversation(message, '', () => navigate({ name: 'privacy', id }));
        return;
      }
      const code = String(event.code ?? '');
      const message =
        event.type === 'ticket.deadline'
          ? t(event.state === 'overdue' ? 'tickets.notify.overdue' : 'tickets.notify.due_soon', { code })
          : event.type === 'ticket.rated' && event.satisfaction === 'not_satisfied'
            ? t('tickets.notify.notSatisfied', { code })
            : null;
      if (!message) return;
      setNotice(message);
      const id = Number(event.ticketId);
      notifyNewConversation(message, '', () => navigate({ name: 'tickets', id }));
    });
    // Once per workspace: the route at sign-in decides where unit staff land.
  }, [live, agent, t]);

  useEffect(() => {
    live.start();
    const offStatus = live.onStatus(setConnected);
    return () => {
      offStatus();
      live.stop();
    };
  }, [live]);

  const reloadAgents = useCallback(() => void api.agents().then(setAgents).catch(() => undefined), []);
  const reloadLabels = useCallback(() => void api.labels().then(setLabels).catch(() => undefined), []);
  useEffect(() => {
    void api.teams().then(setTeams).catch(() => undefined);
    reloadLabels();
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
  }, [live, reloadAgents, reloadLabels, t]);

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
    onSignedOut();
  };

  const overseer = isOverseer(agent);
  const inbox = route.name === 'list' || route.name === 'conversation';
  const link = (target: Parameters<typeof navigate>[0], href: string, active: boolean, label: string) => (
    <a href={href} className={active ? 'active' : ''} aria-current={active ? 'page' : undefined} onClick={(e) => (e.preventDefault(), navigate(target))}>
      {label}
    </a>
  );
  return (
    <div className="workspace">
      <header className="topbar">
        <strong className="brand">{t('app.title')}</strong>
        <nav>
          {!ticketsOnly(agent) && link({ name: 'list' }, '/inbox', inbox, t('nav.inbox'))}
          {link({ name: 'tickets', id: null }, '/inbox/tickets', route.name === 'tickets' || route.name === 'ticketPrint', t('nav.tickets'))}
          {!ticketsOnly(agent) && link({ name: 'calls' }, '/inbox/calls', route.name === 'calls', t('nav.calls'))}
          {overseer && link({ name: 'report' }, '/inbox/report', route.name === 'report', t('nav.report'))}
          {overseer && link({ name: 'queue' }, '/inbox/queue', route.name === 'queue', t('nav.queue'))}
          {overseer && link({ name: 'admin', section: 'canned' }, '/inbox/admin/canned', route.name === 'admin', t('nav.admin'))}
          {overseer && link({ name: 'privacy', id: null }, '/inbox/privacy', route.name === 'privacy', t('nav.privacy'))}
          {!ticketsOnly(agent) && link({ name: 'care', section: overseer ? 'campaigns' : 'queue', id: null }, overseer ? '/inbox/care/campaigns' : '/inbox/care/queue', route.name === 'care', t('nav.care'))}
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
        <a
          href="/inbox/account"
          className={`me ${route.name === 'account' ? 'active' : ''}`}
          title={t('nav.account')}
          onClick={(e) => (e.preventDefault(), navigate({ name: 'account' }))}
        >
          {agent.displayName}
        </a>
        <button type="button" className="ghost" onClick={() => void signOut(false)}>
          {t('signOut.here')}
        </button>
        <button type="button" className="ghost" onClick={() => void signOut(true)}>
          {t('signOut.everywhere')}
        </button>
      </header>
      {!connected && <div className="banner warn">{t('app.offline')}</div>}
      {notice && (
        <div className="banner warn" role="status" onClick={() => setNotice(null)}>
          {notice}
        </div>
      )}
      {error && (
        <div className="banner error" role="alert">
          {t('app.error', { detail: error })}
        </div>
      )}
      {route.name === 'account' ? (
        <AccountView
          agent={agent}
          onSignedOut={(notice) => {
            live.stop();
            onSignedOut(notice);
          }}
        />
      ) : route.name === 'admin' ? (
        overseer ? (
          <AdminView agent={agent} section={route.section} live={live} teams={teams} labels={labels} onLabelsChanged={reloadLabels} />
        ) : (
          <p className="empty">{t('admin.forbidden')}</p>
        )
      ) : route.name === 'tickets' ? (
        <TicketsView agent={agent} live={live} selectedId={route.id} unitIds={unitIds} />
      ) : route.name === 'ticketPrint' ? (
        <TicketPrintView id={route.id} />
      ) : route.name === 'care' ? (
        ticketsOnly(agent) ? <p className="empty">{t('care.forbidden')}</p> : <CareView agent={agent} section={route.section} id={route.id} />
      ) : route.name === 'privacy' ? (
        overseer ? <PrivacyView agent={agent} selectedId={route.id} /> : <p className="empty">{t('privacy.forbidden')}</p>
      ) : route.name === 'calls' ? (
        <>
          {overseer && <Wallboard live={live} />}
          <CallsView agent={agent} />
        </>
      ) : route.name === 'report' ? (
        overseer ? <ReportView /> : <p className="empty">{t('queue.forbidden')}</p>
      ) : route.name === 'queue' ? (
        overseer ? (
          <QueueView live={live} teams={teams} agents={agents} />
        ) : (
          <p className="empty">{t('queue.forbidden')}</p>
        )
      ) : (
        <main className={`panes ${route.name === 'conversation' ? 'has-conversation' : ''}`}>
          <ConversationList agent={agent} live={live} teams={teams} labels={labels} selectedId={route.name === 'conversation' ? route.id : null} />
          <section className="detail">
            {route.name === 'conversation' ? (
              <>
                <ConversationView key={route.id} id={route.id} agent={agent} live={live} teams={teams} agents={agents} labels={labels} />
                <CreateTicketForm key={`ticket-${route.id}`} conversationId={route.id} onCreated={(ticket) => navigate({ name: 'tickets', id: ticket.id })} />
              </>
            ) : (
              <p className="empty">{t('conv.pick')}</p>
            )}
          </section>
        </main>
      )}
      <ScreenPop live={live} onTicket={(id) => navigate({ name: 'tickets', id })} />
      <footer className="shortcuts">{t('nav.shortcuts')}</footer>
    </div>
  );
}
