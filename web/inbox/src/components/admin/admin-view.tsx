import { useCallback, useEffect, useState } from 'react';
import { api, type Agent, type AgentRow, type BusinessHoursView, type InboxRow, type Label, type Team } from '../../api.ts';
import { channelName, time } from '../../format.ts';
import { useI18n } from '../../i18n/index.ts';
import type { LiveFeed } from '../../live.ts';
import { navigate, type AdminSection } from '../../route.ts';
import { AgentsAdmin } from './agents-admin.tsx';
import { CannedAdmin, LabelsAdmin } from './answers-admin.tsx';
import { UnitsAdmin } from '../../tickets/units-admin.tsx';
import { KnowledgeAdmin } from './knowledge-admin.tsx';
import { ProposalsAdmin } from '../../knowledge/proposals-view.tsx';
import { PersonalZaloSignIn } from './zalo-personal-sign-in.tsx';

/** The sections a person may open: supervisors keep answers and labels and see the setup;
 * agents and roles are the admins'. */
export function sectionsFor(agent: Agent): AdminSection[] {
  const all: AdminSection[] = ['canned', 'labels', 'agents', 'teams', 'units', 'inboxes', 'hours', 'knowledge', 'proposals'];
  return agent.role === 'admin' ? all : all.filter((s) => s !== 'agents' && s !== 'units');
}

export function AdminView({ agent, section, live, teams, labels, onLabelsChanged }: { agent: Agent; section: AdminSection; live: LiveFeed; teams: Team[]; labels: Label[]; onLabelsChanged(): void }) {
  const { t } = useI18n();
  const sections = sectionsFor(agent);
  const current = sections.includes(section) ? section : sections[0]!;
  return (
    <main className="admin">
      <nav className="admin-nav" aria-label={t('admin.title')}>
        {sections.map((s) => (
          <a
            key={s}
            href={`/inbox/admin/${s}`}
            aria-current={s === current ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate({ name: 'admin', section: s });
            }}
          >
            {t(`admin.section.${s}`)}
          </a>
        ))}
      </nav>
      <section className="admin-body">
        <h2>{t(`admin.section.${current}`)}</h2>
        {current === 'canned' && <CannedAdmin teams={teams} />}
        {current === 'labels' && <LabelsAdmin labels={labels} onChanged={onLabelsChanged} />}
        {current === 'agents' && <AgentsAdmin teams={teams} self={agent} />}
        {current === 'teams' && <TeamsAdmin teams={teams} />}
        {current === 'units' && <UnitsAdmin />}
        {current === 'inboxes' && <InboxesAdmin live={live} />}
        {current === 'hours' && <HoursAdmin />}
        {current === 'knowledge' && <KnowledgeAdmin canReload={agent.role === 'admin'} />}
        {current === 'proposals' && <ProposalsAdmin />}
      </section>
    </main>
  );
}

function TeamsAdmin({ teams }: { teams: Team[] }) {
  const { t } = useI18n();
  const [agents, setAgents] = useState<AgentRow[]>([]);
  useEffect(() => void api.agents().then(setAgents).catch(() => undefined), []);
  return (
    <>
      <p className="hint">{t('admin.teams.hint')}</p>
      <table className="grid">
        <thead>
          <tr>
            <th>{t('admin.teams.name')}</th>
            <th>{t('admin.teams.key')}</th>
            <th>{t('admin.teams.members')}</th>
          </tr>
        </thead>
        <tbody>
          {teams.map((team) => {
            const members = agents.filter((a) => a.teams.includes(team.key));
            return (
              <tr key={team.id} data-team={team.key}>
                <td>{team.name}</td>
                <td>
                  <code>{team.key}</code>
                </td>
                <td>{members.length ? members.map((a) => a.displayName).join(', ') : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

function InboxesAdmin({ live }: { live: LiveFeed }) {
  const { t, locale } = useI18n();
  const [inboxes, setInboxes] = useState<InboxRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    () =>
      api
        .inboxes()
        .then(setInboxes)
        .catch((e: unknown) => setError(t('app.error', { detail: e instanceof Error ? e.message : String(e) }))),
    [t],
  );
  useEffect(() => {
    void load();
    // A connection that breaks (a Zalo token refused) shows at once.
    return live.on((event) => event.type === 'inbox.status' && void load());
  }, [live, load]);
  if (error) return <p className="error">{error}</p>;
  if (!inboxes) return <p className="empty">{t('app.loading')}</p>;
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>{t('admin.inboxes.name')}</th>
          <th>{t('admin.inboxes.channel')}</th>
          <th>{t('admin.inboxes.status')}</th>
          <th>{t('admin.inboxes.detail')}</th>
          <th>{t('admin.inboxes.updated')}</th>
        </tr>
      </thead>
      <tbody>
        {inboxes.map((inbox) => (
          <tr key={inbox.id} data-inbox={inbox.key}>
            <td>
              {inbox.name} <code>{inbox.key}</code>
            </td>
            <td>{channelName(t, inbox.channel)}</td>
            <td>
              <span className={`conn conn-${inbox.status}`}>{t(`admin.inboxes.${inbox.status}`)}</span>
            </td>
            <td>
              {inbox.statusDetail ?? '—'}
              {inbox.channel === 'zalo-personal' && <PersonalZaloSignIn inboxId={inbox.id} />}
            </td>
            <td>{time(locale, inbox.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const weekdayOrder = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function HoursAdmin() {
  const { t, locale } = useI18n();
  const [hours, setHours] = useState<BusinessHoursView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => void api.businessHours().then(setHours).catch((e: unknown) => setError(e instanceof Error ? e.message : String(e))), []);
  if (error) return <p className="error">{t('app.error', { detail: error })}</p>;
  if (!hours) return <p className="empty">{t('app.loading')}</p>;
  return (
    <>
      <p className="hint">{t('admin.hours.hint', { timezone: hours.timezone })}</p>
      <p className={`open-now ${hours.openNow ? 'open' : 'closed'}`} role="status">
        {hours.openNow ? t('admin.hours.openNow') : hours.nextOpening ? t('admin.hours.closedUntil', { at: time(locale, hours.nextOpening) }) : t('admin.hours.closed')}
      </p>
      {!hours.configured ? (
        <p className="hint">{t('admin.hours.always')}</p>
      ) : (
      <table className="grid narrow">
        <tbody>
          {weekdayOrder.map((day) => (
            <tr key={day} data-day={day}>
              <th scope="row">{t(`day.${day}`)}</th>
              <td>{hours.weekly[day]?.length ? hours.weekly[day]!.join(', ') : t('admin.hours.off')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      )}
      <h3>{t('admin.hours.daysOff')}</h3>
      {hours.daysOff.length === 0 ? (
        <p className="hint">—</p>
      ) : (
        <table className="grid narrow">
          <tbody>
            {hours.daysOff.map((d) => (
              <tr key={d.date}>
                <td>{d.date}</td>
                <td>{d.name}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {hours.makeUpDays.length > 0 && (
        <>
          <h3>{t('admin.hours.makeUp')}</h3>
          <p>{hours.makeUpDays.join(', ')}</p>
        </>
      )}
    </>
  );
}
