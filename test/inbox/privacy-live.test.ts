// A personal-data request left past its legal timer is announced on the supervisors' live feed,
// once per timer; operators do not hear of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { listenAs } from '../helpers/live-feed.ts';
import { testConfigFile } from '../helpers/config.ts';
import { waitFor } from '../helpers/platform-standins.ts';

const password = 'Đồng-Tháp-sen-hồng-2026!';
const day = 86_400_000;

describe('personal-data request deadlines on the live feed', () => {
  let gw: TestApp;
  const sockets: WebSocket[] = [];

  const api = async (path: string, body: unknown) => {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return res.json() as Promise<Record<string, unknown>>;
  };
  /** Signs in a new account and collects the privacy events its live feed hears. */
  async function listen(username: string, role: string) {
    await api('/api/v1/agents', { username, displayName: username, role, teams: role === 'agent' ? ['tiep-nhan-chung'] : [], password });
    return listenAs(gw, username, password, 'privacy.', sockets);
  }

  beforeAll(async () => {
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000 }, router: { enabled: false } }) } });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await gw.close();
  });

  it('tells the supervisors once per timer run out, and nobody else', async () => {
    const supervisor = await listen('gs.dulieu', 'supervisor');
    const operator = await listen('dtv.lan', 'agent');
    const { privacyRequests } = gw.app.gateway;
    // Ten days ago: past the 2 working days to acknowledge, not the 20 to erase.
    const late = await api('/api/v1/privacy-requests', { kind: 'erasure', requesterName: 'Phan Văn Tư', receivedVia: 'letter', receivedAt: new Date(Date.now() - 10 * day).toISOString() });
    // Two months ago: past both timers.
    const forgotten = await api('/api/v1/privacy-requests', { kind: 'access', requesterName: 'Huỳnh Thị Năm', receivedVia: 'phone', receivedAt: new Date(Date.now() - 60 * day).toISOString() });
    // In time: nothing to say.
    await api('/api/v1/privacy-requests', { kind: 'access', requesterName: 'Ngô Văn Sáu', receivedVia: 'email' });

    expect(await privacyRequests.sweepDeadlines()).toEqual({ acknowledgeOverdue: 2, overdue: 1 });
    await waitFor(() => supervisor.length === 3, 'three alerts on the supervisor\'s feed');
    expect(supervisor.map((e) => [e.requestId, e.state]).sort()).toEqual(
      [
        [late.id, 'acknowledge_overdue'],
        [forgotten.id, 'acknowledge_overdue'],
        [forgotten.id, 'overdue'],
      ].sort(),
    );
    // Said once: the next look finds nothing new, and acknowledging does not alert again.
    await api(`/api/v1/privacy-requests/${late.id}/acknowledge`, {});
    expect(await privacyRequests.sweepDeadlines()).toEqual({ acknowledgeOverdue: 0, overdue: 0 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(supervisor).toHaveLength(3);
    expect(operator).toEqual([]);
  });
});
