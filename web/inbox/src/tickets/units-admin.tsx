import { useCallback, useEffect, useState } from 'react';
import { api, request, type AgentRow } from '../api.ts';
import { useI18n, type MessageKey } from '../i18n/index.ts';
import { ticketsApi, type Unit } from './tickets-api.ts';
import { ErrorLine } from '../components/error-line.tsx';

const kinds: Array<Unit['kind']> = ['department', 'commune', 'ward', 'other'];
type Member = { agentId: number; username: string; displayName: string; role: string };
const unitRoles = new Set(['unit_officer', 'unit_leader']);

/**
 * The organisation tickets are forwarded to: departments, communes and wards, and who works for
 * each. Seeded from the configuration once; from then on admins keep it here.
 */
export function UnitsAdmin() {
  const { t } = useI18n();
  const [units, setUnits] = useState<Unit[]>([]);
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [open, setOpen] = useState<Unit | null>(null);
  const [members, setMembers] = useState<Member[]>([]);
  const [draft, setDraft] = useState({ key: '', name: '', kind: 'department' as Unit['kind'] });
  const [filter, setFilter] = useState('');
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => setUnits((await ticketsApi.units()).items), []);
  useEffect(() => {
    void load().catch(() => undefined);
    void api.agents().then((list) => setAgents(list.filter((a) => unitRoles.has(a.role))));
  }, [load]);
  const loadMembers = useCallback(async (unit: Unit) => setMembers((await request<{ items: Member[] }>('GET', `/api/v1/units/${unit.id}/members`)).items), []);
  useEffect(() => {
    if (open) void loadMembers(open);
  }, [open, loadMembers]);

  const guard = (work: () => Promise<unknown>) => {
    setError(null);
    work().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  const province = units.find((u) => u.kind === 'province');
  const shown = units.filter((u) => u.kind !== 'province' && u.name.toLowerCase().includes(filter.trim().toLowerCase()));

  async function setMembership(agentId: number, unitId: number, on: boolean) {
    const current = (await request<{ unitIds: number[] }>('GET', `/api/v1/agents/${agentId}/units`)).unitIds;
    const next = on ? [...new Set([...current, unitId])] : current.filter((id) => id !== unitId);
    await request('PUT', `/api/v1/agents/${agentId}/units`, { unitIds: next });
    if (open) await loadMembers(open);
  }

  return (
    <div className="units-admin">
      <p className="hint">{t('units.hint')}</p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          guard(async () => {
            await request('POST', '/api/v1/units', { ...draft, key: draft.key.trim(), name: draft.name.trim(), parentId: province?.id ?? null });
            setDraft({ key: '', name: '', kind: 'department' });
            await load();
          });
        }}
      >
        <input aria-label={t('units.name')} placeholder={t('units.name')} name="unit-name" value={draft.name} onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))} required />
        <input aria-label={t('units.key')} placeholder={t('units.key')} name="unit-key" value={draft.key} pattern="[a-z0-9][a-z0-9-]*" onChange={(e) => setDraft((d) => ({ ...d, key: e.target.value }))} required />
        <select aria-label={t('units.kind')} value={draft.kind} onChange={(e) => setDraft((d) => ({ ...d, kind: e.target.value as Unit['kind'] }))}>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {t(`units.kind.${k}` as MessageKey)}
            </option>
          ))}
        </select>
        <button type="submit">{t('units.add')}</button>
      </form>
      <ErrorLine message={error} />
      <input type="search" aria-label={t('units.filter')} placeholder={t('units.filter')} value={filter} onChange={(e) => setFilter(e.target.value)} />
      <div className="units-panes">
        <ul className="units-list">
          {shown.map((unit) => (
            <li key={unit.id} aria-current={open?.id === unit.id}>
              <button type="button" className="link" onClick={() => setOpen(unit)}>
                {unit.name}
              </button>{' '}
              <span className="hint">{t(`units.kind.${unit.kind}` as MessageKey)}</span>
            </li>
          ))}
        </ul>
        {open && (
          <section className="unit-detail" aria-label={open.name}>
            <h3>{open.name}</h3>
            <p>
              <button
                type="button"
                className="ghost"
                onClick={() => {
                  const name = window.prompt(t('units.rename'), open.name);
                  if (name?.trim()) guard(async () => (await request('PATCH', `/api/v1/units/${open.id}`, { name: name.trim() }), await load(), setOpen({ ...open, name: name.trim() })));
                }}
              >
                {t('units.rename')}
              </button>{' '}
              <button type="button" className="ghost" onClick={() => guard(async () => (await request('PATCH', `/api/v1/units/${open.id}`, { disabled: true }), await load(), setOpen(null)))}>
                {t('units.disable')}
              </button>
            </p>
            <h4>{t('units.members')}</h4>
            <ul>
              {members.map((m) => (
                <li key={m.agentId}>
                  {m.displayName} ({t(`role.${m.role}` as MessageKey)}){' '}
                  <button type="button" className="link" onClick={() => guard(() => setMembership(m.agentId, open.id, false))}>
                    {t('units.removeMember')}
                  </button>
                </li>
              ))}
            </ul>
            <label>
              {t('units.addMember')}{' '}
              <select
                name="add-member"
                value=""
                onChange={(e) => {
                  const agentId = Number(e.target.value);
                  if (agentId) guard(() => setMembership(agentId, open.id, true));
                }}
              >
                <option value="">—</option>
                {agents
                  .filter((a) => !members.some((m) => m.agentId === a.id))
                  .map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.displayName}
                    </option>
                  ))}
              </select>
            </label>
          </section>
        )}
      </div>
    </div>
  );
}
