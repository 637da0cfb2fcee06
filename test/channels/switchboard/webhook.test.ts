// A cloud call centre's signed call events: the same call rows and screen pop as over AMI; a
// badly signed or stale post is refused and stores nothing.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { switchboardSignature } from '../../../src/channels/switchboard/webhook.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { listenAs } from '../../helpers/live-feed.ts';
import { waitFor } from '../../helpers/platform-standins.ts';

const password = 'Đồng-Tháp-sen-hồng-2026!';
interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}
const secret = 'call-centre-shared-secret';

describe('switchboard webhook', () => {
  let gw: TestApp;
  const sockets: WebSocket[] = [];
  let feed: Array<Record<string, unknown>>;

  const post = (body: unknown, options: { timestamp?: number; signWith?: string; raw?: string } = {}) => {
    const raw = options.raw ?? JSON.stringify(body);
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    return fetch(`${gw.url}/webhooks/switchboard`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchboard-timestamp': timestamp, 'x-switchboard-signature': switchboardSignature(options.signWith ?? secret, timestamp, raw) },
      body: raw,
    });
  };
  const rows = () => gw.app.gateway.store.db.select().from(gw.app.gateway.store.t.calls).where(eq(gw.app.gateway.store.t.calls.externalId, 'cc-7781'));

  beforeAll(async () => {
    gw = await startTestApp({
      env: {
        CONFIG_FILE: testConfigFile({
          security: { signInAttemptsPerMinute: 1000 },
          router: { enabled: false },
          inboxes: [
            { key: 'webform', channel: 'webform', name: 'Biểu mẫu web', settings: {} },
            { key: 'tong-dai-cloud', channel: 'switchboard', name: 'Tổng đài đám mây', settings: { webhook: { secret } } },
          ],
        }),
      },
    });
    const created = await fetch(`${gw.url}/api/v1/agents`, { method: 'POST', headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dtv.lan', displayName: 'Lan', role: 'agent', teams: [], password, extension: '205' }) });
    expect(created.status).toBe(201);
    feed = await listenAs(gw, 'dtv.lan', password, 'call.', sockets);
    await fetch(`${gw.url}/api/public/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Trần Thị Bé', phone: '0912 000 111', text: 'Cho hỏi thủ tục cấp lại CCCD', clientMessageId: 'wh-1' }) });
  }, 60_000);
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await gw?.close();
  });

  it('refuses a bad signature, a stale timestamp and bad input, storing nothing', async () => {
    const event = { events: [{ callId: 'cc-7781', type: 'ringing', at: new Date().toISOString(), direction: 'in', number: '0912000111', extension: '205' }] };
    expect((await post(event, { signWith: 'not-the-secret' })).status).toBe(401);
    expect((await post(event, { timestamp: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(401);
    const unsigned = await fetch(`${gw.url}/webhooks/switchboard`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    expect(unsigned.status).toBe(401);
    expect((await post(null, { raw: '{"events": [' })).status).toBe(400);
    const badType = await post({ events: [{ callId: 'cc-7781', type: 'exploded', at: new Date().toISOString() }] });
    expect(badType.status).toBe(400);
    expect(((await badType.json()) as { message: string }).message).toMatch(/events\[0\]\.type/);
    expect((await post({ events: [{ callId: 'cc-7781', type: 'ringing', at: '2026-12-07 10:00' }] })).status).toBe(400);
    expect(await rows()).toEqual([]);
    expect(feed).toEqual([]);
  });

  it('ringing pops up for the extension; answered, ended and the recording make one row, sent twice', async () => {
    const start = Date.now() - 90_000;
    const at = (seconds: number) => new Date(start + seconds * 1000).toISOString();
    const ringing = { events: [{ callId: 'cc-7781', type: 'ringing', at: at(0), direction: 'in', number: '+84 912 000 111', extension: '205', queue: 'hotline' }] };
    expect((await post(ringing)).status).toBe(200);
    const pop = await waitFor(() => feed.find((e) => e.type === 'call.ringing'), 'the screen pop');
    expect((pop.caller as { contact: { name: string } }).contact.name).toBe('Trần Thị Bé');
    const rest = {
      events: [
        { callId: 'cc-7781', type: 'answered', at: at(9), extension: '205' },
        { callId: 'cc-7781', type: 'ended', at: at(70) },
        { callId: 'cc-7781', type: 'recording', at: at(75), recordingUrl: `${gw.url}/healthz` },
      ],
    };
    expect((await post(rest)).status).toBe(200);
    // The call centre retries (it did not see our 200): nothing changes.
    expect((await post(rest)).status).toBe(200);
    expect((await post(ringing)).status).toBe(200);
    const [row, ...others] = await rows();
    expect(others).toEqual([]);
    expect(row).toMatchObject({ direction: 'in', status: 'ended', durationSeconds: 61, queueWaitSeconds: 9, extension: '205', source: 'switchboard:tong-dai-cloud', recordingUrl: `${gw.url}/healthz` });
    expect(feed.filter((e) => e.type === 'call.ringing')).toHaveLength(1);

    // The inbox sees the call without the switchboard's address, and plays the recording through the gateway, audited.
    const detail = await fetch(`${gw.url}/api/v1/calls/${row!.id}`, { headers: gw.auth });
    const body = (await detail.json()) as { call: Record<string, unknown>; caller: { contact: { name: string } } };
    expect(body.call.hasRecording).toBe(true);
    expect(body.call.recordingUrl).toBeUndefined();
    expect(body.caller.contact.name).toBe('Trần Thị Bé');
    const recording = await fetch(`${gw.url}/api/v1/calls/${row!.id}/recording`, { headers: gw.auth });
    expect(recording.status).toBe(200);
    expect(recording.headers.get('cache-control')).toBe('private, no-store');
    expect(await recording.json()).toEqual({ status: 'ok' });
    const { t, db } = gw.app.gateway.store;
    expect(await db.select({ action: t.auditEvents.action }).from(t.auditEvents).where(eq(t.auditEvents.action, 'call.recording.played'))).toHaveLength(1);
    expect((await fetch(`${gw.url}/api/v1/calls/${row!.id}/recording`)).status).toBe(401);
  });

  it('a ticket from the call in one request, with the caller and the call linked; a note on the call', async () => {
    const [row] = await rows();
    const created = await fetch(`${gw.url}/api/v1/tickets`, { method: 'POST', headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'question', subject: 'Cấp lại CCCD', callId: row!.id }) });
    expect(created.status).toBe(201);
    const ticket = (await created.json()) as { id: number };
    const detail = (await (await fetch(`${gw.url}/api/v1/tickets/${ticket.id}`, { headers: gw.auth })).json()) as { callId: number; contactId: number; channel: string };
    expect(detail).toMatchObject({ callId: row!.id, contactId: row!.contactId, channel: 'phone' });
    const noted = await fetch(`${gw.url}/api/v1/calls/${row!.id}/note`, { method: 'PUT', headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify({ notes: 'Hẹn gọi lại chiều nay' }) });
    expect(noted.status).toBe(200);
    expect((await rows())[0]!.notes).toBe('Hẹn gọi lại chiều nay');
  });

  it('the OpenAPI document declares what each call route answers, and the answers keep every field the inbox reads', async () => {
    const spec = (await gw.app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }> }>> };
    const schemaOf = (path: string, method: string, status: string) => spec.paths[`/api/v1${path}`]?.[method]?.responses[status]?.content?.['application/json']?.schema;
    const propertiesOf = (schema: JsonSchema | undefined) => Object.keys(schema?.properties ?? {}).sort();
    const callKeys = ['agentId', 'contactId', 'direction', 'durationSeconds', 'hasRecording', 'id', 'notes', 'number', 'source', 'startedAt', 'status'];
    const detailKeys = [...callKeys, 'answeredAt', 'calledBackAt', 'calledBackBy', 'createdAt', 'endedAt', 'extension', 'externalId', 'queue', 'queueWaitSeconds'].sort();
    expect(propertiesOf(schemaOf('/calls', 'get', '200')?.properties?.items?.items)).toEqual(callKeys);
    expect(propertiesOf(schemaOf('/calls/{id}', 'get', '200')?.properties?.call)).toEqual(detailKeys);
    expect(propertiesOf(schemaOf('/calls/{id}', 'get', '200')?.properties?.caller)).toEqual(['care', 'contact', 'conversations', 'doNotContact', 'dossiers', 'number', 'tickets']);
    expect(propertiesOf(schemaOf('/calls/wallboard', 'get', '200'))).toEqual(['agents', 'away', 'free', 'longestWaitSeconds', 'onCall', 'today', 'waiting']);
    expect(propertiesOf(schemaOf('/calls/missed', 'get', '200')?.properties?.items?.items)).toEqual(['contactId', 'contactName', 'id', 'number', 'queue', 'queueWaitSeconds', 'startedAt']);
    expect(propertiesOf(schemaOf('/calls/dial', 'post', '202'))).toEqual(['extension', 'number', 'reference']);
    expect(propertiesOf(schemaOf('/calls', 'post', '201'))).toEqual(['contactId', 'id', 'ticket']);
    expect(propertiesOf(schemaOf('/calls/import', 'post', '200'))).toEqual(['duplicates', 'errors', 'imported']);
    expect(propertiesOf(schemaOf('/calls/{id}/note', 'put', '200'))).toEqual(['ok']);
    expect(propertiesOf(schemaOf('/calls/{id}/handled', 'post', '200'))).toEqual(['ok']);
    expect(propertiesOf(schemaOf('/telephony', 'get', '200'))).toEqual(['callerId', 'clickToCall', 'extension']);
    for (const status of ['200', '206']) expect(Object.keys(spec.paths['/api/v1/calls/{id}/recording']?.get?.responses[status]?.content ?? {})).toEqual(['audio/*']);

    // Serialized by those schemas, the answers still carry every field (and nothing more: no recording address).
    const get = async <T>(path: string) => {
      const res = await fetch(`${gw.url}/api/v1${path}`, { headers: gw.auth });
      expect(res.status, path).toBe(200);
      return (await res.json()) as T;
    };
    const [row] = await rows();
    const { items } = await get<{ items: Array<Record<string, unknown>> }>('/calls');
    const listed = items.find((call) => call.id === row!.id)!;
    expect(Object.keys(listed).sort()).toEqual(callKeys);
    expect(listed).toMatchObject({ status: 'ended', hasRecording: true, notes: 'Hẹn gọi lại chiều nay', contactId: row!.contactId, direction: 'in', durationSeconds: 61 });
    expect(new Date(listed.startedAt as string).getTime()).toBe(row!.startedAt.getTime());
    const one = await get<{ call: Record<string, unknown>; caller: { conversations: Array<Record<string, unknown>>; tickets: Array<Record<string, unknown>> } }>(`/calls/${row!.id}`);
    expect(Object.keys(one.call).sort()).toEqual(detailKeys);
    expect(one.call).toMatchObject({ queueWaitSeconds: 9, extension: '205', externalId: 'cc-7781', status: 'ended' });
    expect(Object.keys(one.caller.conversations[0]!).sort()).toEqual(['channel', 'id', 'inboxName', 'lastMessageAt', 'status']);
    expect(Object.keys(one.caller.tickets[0]!).sort()).toEqual(['code', 'deadline', 'id', 'level', 'receivedAt', 'status', 'subject']);
    const { t, db } = gw.app.gateway.store;
    const [lan] = await db.select({ id: t.agents.id }).from(t.agents).where(eq(t.agents.extension, '205'));
    const away = await fetch(`${gw.url}/api/v1/agents/${lan!.id}/presence`, { method: 'PUT', headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify({ presence: 'away' }) });
    expect(away.status).toBe(200);
    const board = await get<{ agents: Array<Record<string, unknown>>; today: { in: number } }>('/calls/wallboard');
    expect(board.today.in).toBeGreaterThan(0);
    expect(board.agents.find((agent) => agent.extension === '205')).toMatchObject({ displayName: 'Lan', presence: 'away', state: 'away' });
    expect(Object.keys(board.agents[0]!).sort()).toEqual(['displayName', 'extension', 'id', 'presence', 'state']);
    expect(await get('/telephony')).toEqual({ clickToCall: false, extension: null, callerId: null });
  });

  it('a unit officer signed in reads no call, note or recording of the hotline', async () => {
    const created = await fetch(`${gw.url}/api/v1/agents`, { method: 'POST', headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sotp.can-bo', displayName: 'Cán bộ Sở Tư pháp', role: 'unit_officer', teams: [], password }) });
    expect(created.status).toBe(201);
    const login = await fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'sotp.can-bo', password }) });
    expect(login.status).toBe(200);
    const session = { cookie: login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), 'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken };
    const [row] = await rows();
    const { t, db } = gw.app.gateway.store;
    const playedBefore = (await db.select({ id: t.auditEvents.id }).from(t.auditEvents).where(eq(t.auditEvents.action, 'call.recording.played'))).length;
    // Signed in and let in elsewhere: the refusal is the call routes' own.
    expect((await fetch(`${gw.url}/api/v1/tickets`, { headers: session })).status).toBe(200);
    const refused = await fetch(`${gw.url}/api/v1/calls/${row!.id}`, { headers: session });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('forbidden');
    expect((await fetch(`${gw.url}/api/v1/calls/${row!.id}/recording`, { headers: session })).status).toBe(403);
    const note = await fetch(`${gw.url}/api/v1/calls/${row!.id}/note`, { method: 'PUT', headers: { ...session, 'content-type': 'application/json' }, body: JSON.stringify({ notes: 'không được' }) });
    expect(note.status).toBe(403);
    expect((await fetch(`${gw.url}/api/v1/calls`, { headers: session })).status).toBe(403);
    expect((await db.select({ id: t.auditEvents.id }).from(t.auditEvents).where(eq(t.auditEvents.action, 'call.recording.played'))).length).toBe(playedBefore);
    expect((await rows())[0]!.notes).toBe('Hẹn gọi lại chiều nay');
  });

  it('without a switchboard able to place calls, click-to-call says so', async () => {
    const res = await fetch(`${gw.url}/api/v1/calls/dial`, { method: 'POST', headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify({ number: '0912000111', extension: '205' }) });
    expect(res.status).toBe(503);
  });
});
