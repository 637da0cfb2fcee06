// Unit staff hear of the tickets forwarded to their unit, and only those; supervisors hear a
// citizen's "not satisfied" the moment it is given.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { listenAs } from '../helpers/live-feed.ts';
import { testConfigFile } from '../helpers/config.ts';
import { waitFor } from '../helpers/platform-standins.ts';

const password = 'Đồng-Tháp-sen-hồng-2026!';

describe('ticket events on the live feed', () => {
  let gw: TestApp;
  const units: Record<string, number> = {};
  const sockets: WebSocket[] = [];

  const api = async (path: string, body: unknown, method = 'POST') => {
    const res = await fetch(`${gw.url}${path}`, { method, headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return res.json() as Promise<Record<string, unknown>>;
  };
  async function listen(username: string, role: string, unitKey?: string) {
    const agent = await api('/api/v1/agents', { username, displayName: username, role, teams: [], password });
    if (unitKey) await api(`/api/v1/agents/${agent.id}/units`, { unitIds: [units[unitKey]] }, 'PUT');
    return listenAs(gw, username, password, 'ticket.', sockets);
  }

  beforeAll(async () => {
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000 }, router: { enabled: false } }) } });
    const list = (await (await fetch(`${gw.url}/api/v1/units`, { headers: gw.auth })).json()) as { items: Array<{ id: number; key: string }> };
    for (const unit of list.items) units[unit.key] = unit.id;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await gw.close();
  });

  it('tells the unit it concerns and the supervisors, nobody else', async () => {
    const justice = await listen('tp.canbo', 'unit_officer', 'so-tu-phap');
    const health = await listen('yt.canbo', 'unit_officer', 'so-y-te');
    const supervisor = await listen('gs.thu', 'supervisor');
    const asked = await api('/api/public/messages', { name: 'Lê Văn Tám', phone: '0933111222', text: 'Hỏi về chứng thực bản sao' });
    const ticket = await api('/api/v1/tickets', { type: 'question', subject: 'Chứng thực bản sao', conversationId: asked.conversationId });
    await api(`/api/v1/tickets/${ticket.id}/actions`, { action: 'forward', unitId: units['so-tu-phap'] });
    await waitFor(() => justice.some((e) => e.type === 'ticket.updated' && e.action === 'forward'), 'the unit to hear of its ticket');
    // An answer from the unit, then the citizen's rating through the page.
    const detail = (await (await fetch(`${gw.url}/api/v1/tickets/${ticket.id}`, { headers: gw.auth })).json()) as { id: number };
    const link = gw.app.gateway.ticketDesk.voteLink(detail.id).replace(/^https?:\/\/[^/]+/, gw.url);
    await gw.app.gateway.ticketDesk.tickets.transition(detail.id, { action: 'answer', comment: 'Nộp tại UBND xã.' }, { role: 'unit_officer', unitIds: [units['so-tu-phap']!], agentId: null, name: 'tp.canbo', auditActor: 'test' });
    await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'vote=not_satisfied' });
    await waitFor(() => supervisor.some((e) => e.type === 'ticket.rated' && e.satisfaction === 'not_satisfied'), 'the supervisor to hear the rating');
    expect(supervisor.filter((e) => e.type === 'ticket.updated').map((e) => e.action)).toEqual(['create', 'forward', 'answer']);
    expect(justice.filter((e) => e.type === 'ticket.rated')).toEqual([]);
    expect(health).toEqual([]);
  });
});
