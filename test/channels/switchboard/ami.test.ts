// The switchboard over AMI, end to end: a stand-in Asterisk on TCP, the real gateway on SQLite
// and on PostgreSQL, operators signed in with their live feed.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startAmiStandin, queueCallEvents, type AmiFields, type AmiStandin } from '../../helpers/ami-standin.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { listenAs } from '../../helpers/live-feed.ts';
import { waitFor } from '../../helpers/platform-standins.ts';
import { freshPgUrl, postgresAvailable } from '../../helpers/postgres.ts';

const pg = await postgresAvailable();

const password = 'Đồng-Tháp-sen-hồng-2026!';

for (const onPg of [false, true]) {
  describe.skipIf(onPg && !pg)(`switchboard over AMI (${onPg ? 'PostgreSQL' : 'SQLite'})`, () => {
    let gw: TestApp;
    let pbx: AmiStandin;
    let drop: (() => Promise<void>) | undefined;
    const sockets: WebSocket[] = [];
    const sessions: Record<string, Record<string, string>> = {};
    let hoaFeed: Array<Record<string, unknown>>;
    let namFeed: Array<Record<string, unknown>>;
    let supervisorFeed: Array<Record<string, unknown>>;
    let ticketCode = '';
    let contactId = 0;

    const admin = async (path: string, body?: unknown, method = body ? 'POST' : 'GET') => {
      const res = await fetch(`${gw.url}${path}`, { method, headers: { ...gw.auth, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const as = async (who: string, path: string, body?: unknown, method = body ? 'POST' : 'GET') => {
      const res = await fetch(`${gw.url}${path}`, { method, headers: { ...sessions[who], ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const callRows = (externalId: string) => gw.app.gateway.store.db.select().from(gw.app.gateway.store.t.calls).where(eq(gw.app.gateway.store.t.calls.externalId, externalId));
    const inboxStatus = async () => {
      const { t, db } = gw.app.gateway.store;
      const [row] = await db.select({ status: t.inboxes.status }).from(t.inboxes).where(eq(t.inboxes.key, 'tong-dai'));
      return row!.status;
    };

    beforeAll(async () => {
      pbx = await startAmiStandin({ username: 'gateway', secret: 'ami-secret-1022' });
      const env: Record<string, string> = {
        AMI_TEST_SECRET: 'ami-secret-1022',
        CONFIG_FILE: testConfigFile({
          security: { signInAttemptsPerMinute: 1000 },
          router: { enabled: false },
          care: { outboundNumber: '0277 3 1022' },
          inboxes: [
            { key: 'webform', channel: 'webform', name: 'Biểu mẫu web', settings: {} },
            {
              key: 'tong-dai',
              channel: 'switchboard',
              name: 'Tổng đài 1022',
              settings: { ami: { host: '127.0.0.1', port: pbx.port, username: 'gateway', secret: { env: 'AMI_TEST_SECRET' }, initialBackoffMs: 50, maxBackoffMs: 400, keepAliveMs: 5000 } },
            },
          ],
        }),
      };
      if (onPg) {
        const fresh = freshPgUrl();
        env.DATABASE_URL = fresh.url;
        drop = fresh.drop;
      }
      gw = await startTestApp({ env });
      for (const [username, extension, role] of [['dtv.hoa', '101', 'agent'], ['dtv.nam', '102', 'agent'], ['gs.thu', null, 'supervisor']] as const) {
        const created = await admin('/api/v1/agents', { username, displayName: username, role, teams: ['tiep-nhan-chung'], password, ...(extension ? { extension } : {}) });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        expect(created.body.extension).toBe(extension);
        const login = await fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: username, password }) });
        sessions[username] = { cookie: login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), 'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken };
      }
      hoaFeed = await listenAs(gw, 'dtv.hoa', password, 'call.', sockets);
      namFeed = await listenAs(gw, 'dtv.nam', password, 'call.', sockets);
      supervisorFeed = await listenAs(gw, 'gs.thu', password, 'call.', sockets);
      // A citizen known from the web form, with an open ticket.
      const asked = await admin('/api/public/messages', { name: 'Lê Văn Tám', phone: '0933 111 222', text: 'Hỏi về chứng thực bản sao', clientMessageId: 'sb-1' });
      const ticket = await admin('/api/v1/tickets', { type: 'question', subject: 'Chứng thực bản sao giấy khai sinh', conversationId: asked.body.conversationId });
      ticketCode = ticket.body.code as string;
      const conversation = await admin(`/api/v1/conversations/${asked.body.conversationId}`);
      contactId = (conversation.body.contact as { id: number } | undefined)?.id ?? (conversation.body.contactId as number);
      await waitFor(() => pbx.connected === 1, 'the gateway to log in to the AMI');
    }, 60_000);

    afterAll(async () => {
      for (const socket of sockets) socket.close();
      await gw?.close();
      await pbx?.close();
      await drop?.();
    });

    it('an extension already taken is refused, and the AMI connection shows as active', async () => {
      const taken = await admin('/api/v1/agents', { username: 'dtv.an', displayName: 'An', role: 'agent', teams: [], extension: '101' });
      expect(taken.status).toBe(409);
      expect(taken.body.code ?? taken.body.error).toBeTruthy();
      expect(await inboxStatus()).toBe('active');
      expect(pbx.actions.find((a) => a.Action === 'Login')).toMatchObject({ Username: 'gateway', Secret: 'ami-secret-1022', Events: 'on' });
    });

    it('a ringing call pops up on the screen of the operator whose extension rings, with the caller and their open ticket', async () => {
      const t0 = Date.now() - 120_000;
      const call = queueCallEvents({ linkedId: '1765090001.11', number: '0933111222', extension: '101', t0, answerAfter: 14, talk: 95 });
      for (const event of call.ringing) pbx.emit(event as AmiFields);
      const pop = await waitFor(() => hoaFeed.find((e) => e.type === 'call.ringing'), 'the screen pop');
      const caller = pop.caller as { contact: { id: number; name: string }; tickets: Array<{ code: string; level: number; deadline: unknown }>; conversations: Array<{ channel: string }> };
      expect(caller.contact).toMatchObject({ id: contactId, name: 'Lê Văn Tám' });
      expect(caller.tickets.map((t) => [t.code, t.level])).toEqual([[ticketCode, 1]]);
      expect(caller.conversations.map((c) => c.channel)).toEqual(['webform']);
      expect(pop.call).toMatchObject({ status: 'ringing', direction: 'in', extension: '101', number: '0933111222' });
      expect(namFeed.filter((e) => e.type === 'call.ringing')).toEqual([]);
      await waitFor(() => supervisorFeed.some((e) => e.type === 'call.updated' && e.status === 'ringing'), 'the supervisor to see the call waiting');

      // Answer and hang-up, then Asterisk (or a reconnect) sends the same events again.
      for (const event of [...call.answered, ...call.ended, ...call.answered, ...call.ended, ...call.ringing]) pbx.emit(event as AmiFields);
      await waitFor(async () => (await callRows('1765090001.11'))[0]?.status === 'ended', 'the call to end');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const rows = await callRows('1765090001.11');
      expect(rows).toHaveLength(1);
      const hoa = (await admin('/api/v1/agents')).body as unknown as Array<{ id: number; username: string }>;
      expect(rows[0]).toMatchObject({ direction: 'in', number: '0933111222', status: 'ended', durationSeconds: 95, queueWaitSeconds: 14, queue: '1022', extension: '101', contactId, agentId: hoa.find((a) => a.username === 'dtv.hoa')!.id });
      expect(rows[0]!.startedAt.getTime()).toBe(t0);
      // One pop, not one per repeated event.
      expect(hoaFeed.filter((e) => e.type === 'call.ringing')).toHaveLength(1);
      // The pop is a read of personal data.
      const audit = await gw.app.gateway.store.db.select().from(gw.app.gateway.store.t.auditEvents).where(eq(gw.app.gateway.store.t.auditEvents.action, 'call.screen_pop'));
      expect(audit).toHaveLength(1);
    });

    it('events that arrive out of order make the same row', async () => {
      const t0 = Date.now() - 60_000;
      const call = queueCallEvents({ linkedId: '1765090002.21', number: '0912345678', extension: '102', t0, answerAfter: 5, talk: 42 });
      for (const event of [...call.ended.reverse(), ...call.answered, ...call.ringing]) pbx.emit(event as AmiFields);
      // The last event (the first in time) is in once the start is the call's first moment.
      await waitFor(async () => (await callRows('1765090002.21'))[0]?.startedAt.getTime() === t0, 'every event applied');
      const [row] = await callRows('1765090002.21');
      expect(row).toMatchObject({ status: 'ended', durationSeconds: 42, queueWaitSeconds: 5, extension: '102', contactId: null });
      // Ringing after the end is old news: no pop.
      expect(namFeed.filter((e) => e.type === 'call.ringing')).toEqual([]);
    });

    it('a call answered while the caller\u2019s card is read reaches the operator\u2019s screen after the pop, in order', async () => {
      const call = queueCallEvents({ linkedId: '1765090009.91', number: '0933111222', extension: '102', t0: Date.now() - 20_000, answerAfter: 1, talk: 10 });
      // Ringing and the answer in the same burst (a quick pick-up, or events caught up after a reconnect).
      for (const event of [...call.ringing, ...call.answered]) pbx.emit(event as AmiFields);
      await waitFor(async () => (await callRows('1765090009.91'))[0]?.status === 'answered', 'the answer');
      const [row] = await callRows('1765090009.91');
      const frames = () => namFeed.filter((e) => e.callId === row!.id || (e.call as { callId?: number } | undefined)?.callId === row!.id);
      await waitFor(() => frames().some((e) => e.type === 'call.updated' && e.status === 'answered'), 'the answer on the screen');
      const order = frames().map((e) => (e.type === 'call.ringing' ? 'pop' : String(e.status)));
      expect(order[0]).toBe('pop');
      expect(order.at(-1)).toBe('answered');
      expect(order.indexOf('answered')).toBeGreaterThan(order.lastIndexOf('ringing'));
      for (const event of call.ended) pbx.emit(event as AmiFields);
      await waitFor(async () => (await callRows('1765090009.91'))[0]?.status === 'ended', 'the hang-up');
    });

    it('a caller who hangs up in the queue is a missed call until an operator calls back with one click', async () => {
      const t0 = Date.now() - 30_000;
      const caller = { Channel: 'PJSIP/trunk-viettel-00000031', Uniqueid: '1765090003.31', Linkedid: '1765090003.31', CallerIDNum: '0987654321' };
      pbx.emit({ Event: 'Newchannel', Timestamp: (t0 / 1000).toFixed(6), ...caller, Exten: '1022', Context: 'from-trunk' });
      pbx.emit({ Event: 'QueueCallerJoin', Timestamp: (t0 / 1000 + 1).toFixed(6), ...caller, Queue: '1022', Position: '1' });
      pbx.emit({ Event: 'QueueCallerAbandon', Timestamp: (t0 / 1000 + 48).toFixed(6), ...caller, Queue: '1022', Position: '1', OriginalPosition: '1', HoldTime: '47' });
      pbx.emit({ Event: 'Hangup', Timestamp: (t0 / 1000 + 48).toFixed(6), ...caller, Cause: '16' });
      const missedCall = await waitFor(async () => {
        const list = await as('gs.thu', '/api/v1/calls/missed');
        return (list.body.items as Array<{ id: number; number: string; queueWaitSeconds: number }>).find((c) => c.number === '0987654321');
      }, 'the missed call on the list');
      expect(missedCall.queueWaitSeconds).toBe(47);
      expect((await as('dtv.hoa', '/api/v1/calls/missed')).status).toBe(403);

      const dialled = await as('dtv.hoa', '/api/v1/calls/dial', { callId: missedCall.id });
      expect(dialled.status, JSON.stringify(dialled.body)).toBe(202);
      const originate = await waitFor(() => pbx.actions.find((a) => a.Action === 'Originate'), 'the Originate');
      expect(originate).toMatchObject({ Channel: 'PJSIP/101', Exten: '0987654321', Context: 'from-internal', Async: 'true', CallerID: '"0277 3 1022" <027731022>' });
      expect(originate.ActionID).toBe(dialled.body.reference);
      const after = await as('gs.thu', '/api/v1/calls/missed');
      expect((after.body.items as Array<{ id: number }>).map((c) => c.id)).not.toContain(missedCall.id);

      // The leg Asterisk creates for the Originate is an outbound call from the hotline.
      pbx.emit({ Event: 'Newchannel', Channel: 'PJSIP/101-00000040', Uniqueid: '1765090004.40', Linkedid: '1765090004.40', CallerIDNum: '027731022', Exten: '0987654321', Context: 'from-internal' });
      await waitFor(async () => (await callRows('1765090004.40'))[0], 'the outbound call row');
      expect((await callRows('1765090004.40'))[0]).toMatchObject({ direction: 'out', number: '0987654321', extension: '101' });
    });

    it('click-to-call from a contact and a ticket; an operator without an extension is told why', async () => {
      const before = pbx.actions.filter((a) => a.Action === 'Originate').length;
      expect((await as('dtv.nam', '/api/v1/calls/dial', { contactId })).status).toBe(202);
      const tickets = (await admin('/api/v1/tickets')).body.items as Array<{ id: number; code: string }>;
      expect((await as('dtv.nam', '/api/v1/calls/dial', { ticketId: tickets.find((t) => t.code === ticketCode)!.id })).status).toBe(202);
      await waitFor(() => pbx.actions.filter((a) => a.Action === 'Originate').length === before + 2, 'two Originates');
      expect(pbx.actions.filter((a) => a.Action === 'Originate').slice(-2).map((a) => [a.Channel, a.Exten])).toEqual([['PJSIP/102', '0933111222'], ['PJSIP/102', '0933111222']]);
      expect((await as('gs.thu', '/api/v1/calls/dial', { number: '0933111222' })).status).toBe(409);
      expect((await as('dtv.nam', '/api/v1/calls/dial', { number: 'abc' })).status).toBe(400);
      expect((await as('dtv.nam', '/api/v1/calls/dial', {})).status).toBe(400);
    });

    it('reconnects after the AMI connection drops, and calls keep coming', async () => {
      const logins = pbx.logins;
      pbx.dropAll();
      await waitFor(async () => (await inboxStatus()) === 'needs_reconnect' || pbx.logins > logins, 'the drop to be noticed');
      await waitFor(() => pbx.logins > logins && pbx.connected === 1, 'the gateway to log in again', 10_000);
      await waitFor(async () => (await inboxStatus()) === 'active', 'the inbox to be active again');
      const call = queueCallEvents({ linkedId: '1765090005.51', number: '0933111222', extension: '101', t0: Date.now() - 10_000, answerAfter: 3, talk: 7 });
      for (const event of [...call.ringing, ...call.answered, ...call.ended]) pbx.emit(event as AmiFields);
      await waitFor(async () => (await callRows('1765090005.51'))[0]?.status === 'ended', 'the call after the reconnect');
    });

    it('the wallboard and the monthly report count these calls', async () => {
      const board = await as('gs.thu', '/api/v1/calls/wallboard');
      expect(board.status).toBe(200);
      expect(board.body.today).toMatchObject({ in: 5, out: 1 });
      expect((await as('dtv.hoa', '/api/v1/calls/wallboard')).status).toBe(403);
      const month = new Date().toISOString().slice(0, 7);
      const report = await admin(`/api/v1/reports/monthly?month=${month}`);
      expect(report.status).toBe(200);
      expect(JSON.stringify(report.body)).toMatch(/"in":5|"inbound":5/);
    });
  });
}
