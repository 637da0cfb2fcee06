import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type Agent, type AgentRow, type Team } from '../../api.ts';
import { passwordReason } from '../../format.ts';
import { useI18n, type Translate } from '../../i18n/index.ts';

const roles = ['agent', 'supervisor', 'admin', 'unit_officer', 'unit_leader', 'province_leader'] as const;

function problem(t: Translate, e: unknown): string {
  if (e instanceof ApiError && e.code === 'weak_password') return t('admin.agents.weakPassword', { reason: passwordReason(t, e.message) });
  if (e instanceof ApiError && e.code === 'exists') return t('admin.taken');
  if (e instanceof ApiError && e.status === 400) return t('admin.invalid');
  return t('app.error', { detail: e instanceof Error ? e.message : String(e) });
}

const roleName = (t: Translate, role: string) => {
  const key = `role.${role}` as Parameters<Translate>[0];
  const name = t(key);
  return name === key ? role : name;
};

function TeamBoxes({ teams, value, onChange }: { teams: Team[]; value: string[]; onChange(keys: string[]): void }) {
  const { t } = useI18n();
  return (
    <fieldset className="team-boxes">
      <legend>{t('admin.agents.teams')}</legend>
      {teams.map((team) => (
        <label key={team.id}>
          <input type="checkbox" checked={value.includes(team.key)} onChange={(e) => onChange(e.target.checked ? [...value, team.key] : value.filter((k) => k !== team.key))} /> {team.name}
        </label>
      ))}
    </fieldset>
  );
}

/** Accounts and roles (admins): create, change role, teams and capacity, reset a password,
 * disable or enable. Role changes and disabling end the person's sessions on the server. */
export function AgentsAdmin({ teams, self }: { teams: Team[]; self: Agent }) {
  const { t } = useI18n();
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [selected, setSelected] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = useCallback(() => void api.allAgents().then(setAgents).catch(() => undefined), []);
  useEffect(load, [load]);
  const teamNames = (keys: string[]) => keys.map((k) => teams.find((team) => team.key === k)?.name ?? k).join(', ');
  const current = agents.find((a) => a.id === selected);

  return (
    <>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <table className="grid">
        <thead>
          <tr>
            <th>{t('admin.agents.name')}</th>
            <th>{t('admin.agents.username')}</th>
            <th>{t('admin.agents.role')}</th>
            <th>{t('admin.agents.teams')}</th>
            <th>{t('admin.agents.capacity')}</th>
            <th>{t('admin.agents.status')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {agents.map((a) => (
            <tr key={a.id} data-username={a.username} className={a.disabled ? 'disabled' : ''}>
              <td>{a.displayName}</td>
              <td>
                <code>{a.username}</code>
              </td>
              <td>{roleName(t, a.role)}</td>
              <td>{teamNames(a.teams) || '—'}</td>
              <td className="num">{a.capacity}</td>
              <td>{a.disabled ? t('admin.agents.disabled') : t('admin.agents.active')}</td>
              <td>
                <button type="button" className="ghost" onClick={() => (setNotice(null), setSelected(a.id))}>
                  {t('form.edit')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {current ? (
        <EditAgent
          key={current.id}
          agent={current}
          isSelf={current.id === self.id}
          teams={teams}
          onDone={(message) => {
            setNotice(message);
            setSelected(null);
            load();
          }}
          onCancel={() => setSelected(null)}
        />
      ) : (
        <NewAgent
          teams={teams}
          onCreated={(name) => {
            setNotice(t('admin.agents.created', { name }));
            load();
          }}
        />
      )}
    </>
  );
}

function NewAgent({ teams, onCreated }: { teams: Team[]; onCreated(name: string): void }) {
  const { t } = useI18n();
  const blank = { username: '', displayName: '', role: 'agent', capacity: 3, teams: [] as string[], password: '' };
  const [draft, setDraft] = useState(blank);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const { password, ...rest } = draft;
      const created = await api.createAgent({ ...rest, username: rest.username.trim(), displayName: rest.displayName.trim(), ...(password ? { password } : {}) });
      setDraft(blank);
      onCreated(created.displayName);
    } catch (e) {
      setError(problem(t, e));
    }
  };
  return (
    <form className="admin-form" onSubmit={(e) => void submit(e)} aria-label={t('admin.agents.new')}>
      <h3>{t('admin.agents.new')}</h3>
      <label>
        {t('admin.agents.username')}
        <input name="username" required pattern="[a-z0-9._\-]{3,40}" title={t('admin.agents.usernameRule')} value={draft.username} onChange={(e) => setDraft({ ...draft, username: e.target.value })} />
      </label>
      <label>
        {t('admin.agents.name')}
        <input name="displayName" required maxLength={120} value={draft.displayName} onChange={(e) => setDraft({ ...draft, displayName: e.target.value })} />
      </label>
      <label>
        {t('admin.agents.role')}
        <select name="role" value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value })}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {roleName(t, r)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('admin.agents.capacity')}
        <input name="capacity" type="number" min={1} max={50} value={draft.capacity} onChange={(e) => setDraft({ ...draft, capacity: Number(e.target.value) })} />
      </label>
      <label>
        {t('admin.agents.password')}
        <input name="new-agent-password" type="password" autoComplete="new-password" value={draft.password} onChange={(e) => setDraft({ ...draft, password: e.target.value })} />
      </label>
      <div className="wide">
        <TeamBoxes teams={teams} value={draft.teams} onChange={(keys) => setDraft({ ...draft, teams: keys })} />
      </div>
      {error && (
        <p className="error wide" role="alert">
          {error}
        </p>
      )}
      <div className="form-bar wide">
        <button type="submit">{t('form.create')}</button>
      </div>
    </form>
  );
}

function EditAgent({ agent, isSelf, teams, onDone, onCancel }: { agent: AgentRow; isSelf: boolean; teams: Team[]; onDone(message: string): void; onCancel(): void }) {
  const { t } = useI18n();
  const [role, setRole] = useState(agent.role);
  const [capacity, setCapacity] = useState(agent.capacity);
  const [teamKeys, setTeamKeys] = useState(agent.teams);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);

  const save = async (change: Parameters<typeof api.updateAgent>[1], message: string) => {
    setError(null);
    try {
      await api.updateAgent(agent.id, change);
      onDone(message);
    } catch (e) {
      setError(problem(t, e));
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (role !== agent.role && !window.confirm(t('admin.agents.confirmRole', { name: agent.displayName }))) return;
    void save({ role, capacity, teams: teamKeys, ...(password ? { password } : {}) }, t('admin.saved'));
  };

  return (
    <form className="admin-form" onSubmit={submit} aria-label={t('admin.agents.editing', { name: agent.displayName })}>
      <h3>{t('admin.agents.editing', { name: agent.displayName })}</h3>
      <label>
        {t('admin.agents.role')}
        <select name="edit-role" value={role} disabled={isSelf} onChange={(e) => setRole(e.target.value)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {roleName(t, r)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('admin.agents.capacity')}
        <input name="edit-capacity" type="number" min={1} max={50} value={capacity} onChange={(e) => setCapacity(Number(e.target.value))} />
      </label>
      <label>
        {t('admin.agents.resetPassword')}
        <input name="edit-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <div className="wide">
        <TeamBoxes teams={teams} value={teamKeys} onChange={setTeamKeys} />
      </div>
      {error && (
        <p className="error wide" role="alert">
          {error}
        </p>
      )}
      <div className="form-bar wide">
        <button type="submit">{t('form.save')}</button>
        {!isSelf && (
          <button
            type="button"
            className={agent.disabled ? 'ghost' : 'ghost danger'}
            onClick={() => {
              if (agent.disabled || window.confirm(t('admin.agents.confirmDisable', { name: agent.displayName }))) void save({ disabled: !agent.disabled }, agent.disabled ? t('admin.agents.enabled') : t('admin.agents.wasDisabled'));
            }}
          >
            {agent.disabled ? t('admin.agents.enable') : t('admin.agents.disable')}
          </button>
        )}
        <button type="button" className="ghost" onClick={onCancel}>
          {t('form.cancel')}
        </button>
      </div>
    </form>
  );
}
