import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Visitor } from '../helpers/widget-visitor.ts';
import { webchatSettings } from '../../src/channels/webchat/config.ts';
import type { ServerFrame } from '../../src/channels/webchat/types.ts';
import { dovecotAvailability, startDovecot, type Dovecot, type TestMailbox } from '../helpers/dovecot.ts';
import { emailEnv, hotlineAddress } from '../helpers/email-env.ts';
import { freshPgUrl, pgBaseUrl, postgresAvailable } from '../helpers/postgres.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { exited, freePort, openLiveFeed, postQuestion, redisAvailable, redisBaseUrl, startNode, startOwnRedis, startProxy, stopNode, until, type Node } from './nodes.ts';
import { nginxInstalled } from '../helpers/nginx.ts';
import { queueCallEvents, startAmiStandin, type AmiFields, type AmiStandin } from '../helpers/ami-standin.ts';

const token = 'cluster-admin-token-0123456789abcdef';
const perMinute = 12;
const ready = (await postgresAvailable()) && (await redisAvailable()) && dovecotAvailability().available;

/** The widget's limits as the nodes run them (the default inbox sets none of its own). */
const widgetLimits = webchatSettings.parse({});

/** Opens a widget socket from `ip` (the proxy's header: the nodes trust it), or says the status refusing it. */
function openWidget(node: Node, ip?: string): Promise<WebSocket | number> {
  const ws = new WebSocket(`${node.url.replace('http', 'ws')}/webchat/ws`, { origin: node.url, ...(ip ? { headers: { 'x-forwarded-for': ip } } : {}) });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    ws.once('error', reject);
  });
}

/** A node's widget socket, welcomed as the gateway's own page would open it. */
async function widget(node: Node, hello: { token?: string; lastId?: number } = {}, ip?: string) {
  const ws = await openWidget(node, ip);
  if (typeof ws === 'number') throw new Error(`widget socket refused with ${ws}`);
  const v = new Visitor(ws);
  v.send({ t: 'hello', ...hello });
  const welcome = await v.waitFor<Extract<ServerFrame, { t: 'welcome' }>>((f) => f.t === 'welcome');
  return { v, welcome };
}

async function agentReply(node: Node, conversationId: number, text: string): Promise<void> {
  const res = await fetch(`${node.url}/api/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

const mail = (id: string) =>
  [`From: Nguyễn Văn An <an.${id}@example.vn>`, `To: ${hotlineAddress}`, `Subject: Hỏi ${id}`, `Message-ID: <${id}@example.vn>`, 'Date: Mon, 7 Dec 2026 09:00:00 +0700', 'Content-Type: text/plain; charset=utf-8', '', `Thư ${id}`, ''].join('\r\n');

describe.skipIf(!ready)('two gateway nodes on one PostgreSQL and Redis', () => {
  const database = freshPgUrl();
  const schema = new URL(database.url).searchParams.get('schema')!;
  const prefix = `gwtest:${randomBytes(4).toString('hex')}:`;
  let db: pg.Client;
  let dovecot: Dovecot;
  let mailbox: TestMailbox;
  let smtp: SmtpSink;
  let pbx: AmiStandin;
  let a: Node;
  let b: Node;
  const sockets: WebSocket[] = [];

  const rows = async <T>(query: string, params: unknown[] = []) => (await db.query(query, params)).rows as T[];

  beforeAll(async () => {
    db = new pg.Client({ connectionString: pgBaseUrl, options: `-c search_path=${schema}` });
    await db.connect();
    dovecot = await startDovecot(['cluster']);
    mailbox = dovecot.mailbox('cluster');
    smtp = await startSmtpSink();
    pbx = await startAmiStandin({ username: 'gateway', secret: 'ami-cluster-secret' });
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redisBaseUrl,
      REDIS_PREFIX: prefix,
      GATEWAY_ADMIN_TOKEN: token,
      PUBLIC_RATE_LIMIT: String(perMinute),
      TRUST_PROXY: 'true',
      CLUSTER_LEASE_SECONDS: '3',
      SWITCHBOARD_AMI_HOST: '127.0.0.1',
      SWITCHBOARD_AMI_PORT: String(pbx.port),
      SWITCHBOARD_AMI_USERNAME: 'gateway',
      SWITCHBOARD_AMI_SECRET: 'ami-cluster-secret',
      ...emailEnv({ host: dovecot.host, port: dovecot.port, user: mailbox.user, password: mailbox.password }, { host: '127.0.0.1', port: smtp.port }, { EMAIL_POLL_INTERVAL_MS: '1000' }),
    };
    // Together, as nodes of a cluster start: one migrates the schema, the other waits on its lock.
    [a, b] = await Promise.all([startNode('A', env), startNode('B', env)]);
  }, 400_000);

  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await Promise.all([stopNode(a), stopNode(b)]);
    await db?.end();
    await smtp?.close();
    await pbx?.close();
    await dovecot?.stop();
    await database.drop();
  }, 60_000);

  it('the live feed on each node sees every message posted to either node, once', async () => {
    const feeds = await Promise.all([openLiveFeed(a, token), openLiveFeed(b, token)]);
    sockets.push(...feeds.map((f) => f.socket));
    const posted: number[] = [];
    for (let i = 0; i < 5; i++) {
      for (const [node, name] of [[a, 'a'], [b, 'b']] as const) {
        const res = await postQuestion(node, `feed-${name}${i}`, `10.1.${name === 'a' ? 1 : 2}.${i + 1}`);
        expect(res.status).toBe(202);
        posted.push(((await res.json()) as { messageId: number }).messageId);
      }
    }
    const created = (frames: Array<Record<string, unknown>>) => frames.filter((f) => f.type === 'message.created' && f.direction === 'in').map((f) => f.messageId as number);
    for (const feed of feeds) await until(() => posted.every((id) => created(feed.frames).includes(id)), 'every message on both feeds', 10_000);
    // A little longer, for a copy that would come late.
    await new Promise((r) => setTimeout(r, 300));
    for (const feed of feeds) expect(created(feed.frames).sort((x, y) => x - y)).toEqual([...posted].sort((x, y) => x - y));
  });

  it('a widget socket on node B gets the reply an agent sends through node A; a reconnect to A replays it', async () => {
    const { v } = await widget(b);
    v.send({ t: 'msg', cid: 'w1', text: 'Cho tôi hỏi về hộ chiếu' });
    const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
    await agentReply(a, session.conversationId, 'Chào anh, hồ sơ hộ chiếu nộp tại Công an tỉnh.');
    const reply = await v.waitFor<Extract<ServerFrame, { t: 'msg' }>>((f) => f.t === 'msg' && f.m.from === 'agent');
    expect(reply.m.text).toBe('Chào anh, hồ sơ hộ chiếu nộp tại Công an tỉnh.');

    // The router answers the visitor on B while the agent types on A: which of the two is stored
    // first is the machine's timing, so the sockets are held to the store, not to an order guessed.
    const stored = async () =>
      (await rows<{ id: number }>("select id from messages where conversation_id = $1 and (direction = 'in' or (direction = 'out' and status <> 'failed')) order by id", [session.conversationId])).map((r) => Number(r.id));
    const ids = (visitor: Visitor) => visitor.messages().map((m) => m.id);
    const sameAsStore = async (visitor: Visitor) => JSON.stringify(ids(visitor)) === JSON.stringify(await stored());
    await until(() => sameAsStore(v), 'the widget on B holding every message of the conversation, once, in order');
    expect(await stored()).toContain(reply.m.id);
    await v.close();

    // The same visitor comes back through the other node: everything, from the store, in order.
    const again = await widget(a, { token: session.token, lastId: 0 });
    await again.v.waitFor((f) => f.t === 'msg' && f.m.id === reply.m.id);
    await until(() => sameAsStore(again.v), 'the replay on A holding every message of the conversation, once, in order');
    expect(again.v.messages()[0]!.from).toBe('visitor');
    await again.v.close();
  });

  it('an inbox session made on A is valid on B, and an agent typing on B shows in a widget on A', async () => {
    const password = 'Đồng-Tháp-sen-hồng-2026!';
    const created = await fetch(`${a.url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'giamsat', displayName: 'Giám sát', role: 'supervisor', password }),
    });
    expect(created.status, await created.clone().text()).toBeLessThan(300);
    const login = await fetch(`${a.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'giamsat', password }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const me = await fetch(`${b.url}/api/auth/me`, { headers: { cookie } });
    expect(me.status).toBe(200);

    const { v } = await widget(a);
    v.send({ t: 'msg', cid: 't1', text: 'Có ai không?' });
    const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
    const feed = new WebSocket(`${b.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie } });
    sockets.push(feed);
    await new Promise((resolve, reject) => (feed.once('message', resolve), feed.once('error', reject)));
    feed.send(JSON.stringify({ type: 'typing', conversationId: session.conversationId }));
    await v.waitFor((f) => f.t === 'typing' && f.on);
    await v.close();
  });

  it(`a public limit of ${perMinute} a minute admits ${perMinute} in all across both nodes, not twice that`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < perMinute * 2; i++) {
      const res = await postQuestion(i % 2 ? b : a, `limit-${i}`, '10.9.9.9');
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 202)).toHaveLength(perMinute);
    expect(statuses.filter((s) => s === 429)).toHaveLength(perMinute);
  });

  it(`a widget's limits count across both nodes: ${widgetLimits.ipConnectionsPerMinute} connections a minute from one address, ${widgetLimits.visitorMessagesPerMinute} messages from one visitor`, async () => {
    const opened: number[] = [];
    for (let i = 0; i < widgetLimits.ipConnectionsPerMinute * 2; i++) {
      const ws = await openWidget(i % 2 ? b : a, '10.8.8.8');
      if (typeof ws === 'number') opened.push(ws);
      else {
        opened.push(101);
        ws.close();
        await new Promise((resolve) => ws.once('close', resolve));
      }
    }
    expect(opened.filter((status) => status === 101)).toHaveLength(widgetLimits.ipConnectionsPerMinute);
    expect(opened.filter((status) => status === 429)).toHaveLength(widgetLimits.ipConnectionsPerMinute);

    // One visitor with a tab on each node.
    const first = await widget(a, {}, '10.8.8.9');
    first.v.send({ t: 'msg', cid: 'lim-0', text: 'Tin 0' });
    const session = await first.v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
    const second = await widget(b, { token: session.token }, '10.8.8.9');
    const outcome = async (visitor: Visitor, cid: string) => (await visitor.waitFor((f) => (f.t === 'ack' || f.t === 'error') && f.cid === cid)).t;
    const outcomes = [await outcome(first.v, 'lim-0')];
    for (let i = 1; i < widgetLimits.visitorMessagesPerMinute * 2; i++) {
      const tab = i % 2 ? second.v : first.v;
      tab.send({ t: 'msg', cid: `lim-${i}`, text: `Tin ${i}` });
      outcomes.push(await outcome(tab, `lim-${i}`));
    }
    expect(outcomes.filter((t) => t === 'ack')).toHaveLength(widgetLimits.visitorMessagesPerMinute);
    expect(outcomes.slice(widgetLimits.visitorMessagesPerMinute).every((t) => t === 'error')).toBe(true);
    await Promise.all([first.v.close(), second.v.close()]);
  });

  it('sign-in lockout and the per-address sign-in limit count across both nodes', async () => {
    const password = 'Sa-Đéc-hoa-kiểng-2026!';
    const created = await fetch(`${a.url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'khoatest', displayName: 'Khóa thử', role: 'agent', password }),
    });
    expect(created.status, await created.clone().text()).toBeLessThan(300);
    const login = (node: Node, name: string, secret: string, ip: string) =>
      fetch(`${node.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ login: name, password: secret }) });

    // Five wrong passwords (the default threshold), from five addresses, to both nodes in turn:
    // the account is locked on both, the right password refused on either.
    for (let i = 0; i < 5; i++) expect((await login(i % 2 ? b : a, 'khoatest', `sai-mat-khau-${i}`, `10.6.0.${i + 1}`)).status).toBe(401);
    expect((await login(b, 'khoatest', password, '10.6.1.1')).status).toBe(401);
    expect((await login(a, 'khoatest', password, '10.6.1.2')).status).toBe(401);
    const [lock] = await rows<{ locked_until: Date | null }>("select locked_until from agents where username = 'khoatest'");
    expect(lock!.locked_until).not.toBeNull();

    // Ten attempts a minute from one address (the default), wherever they land.
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await login(i % 2 ? b : a, 'nobody-here', 'whatever-it-is', '10.6.2.1')).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
  });

  it('a file uploaded through one node downloads byte-identical through the other (files in PostgreSQL), a ticket\'s too', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n', 'latin1'), randomBytes(4096), Buffer.from('\ntrailer <<>>\n%%EOF\n')]);
    // An agent's upload through A, downloaded through B.
    const form = new FormData();
    form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'Hồ sơ.pdf');
    const uploaded = await fetch(`${a.url}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    const { id } = (await uploaded.json()) as { id: number };
    const download = await fetch(`${b.url}/api/v1/attachments/${id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true);

    // A visitor's file sent through B, opened from its link through A.
    const { v, welcome } = await widget(b, {}, '10.8.9.1');
    const sent = await fetch(`${b.url}/webchat/upload?cid=file-1&name=giay-to.pdf`, {
      method: 'POST',
      headers: { origin: b.url, 'content-type': 'application/pdf', 'x-webchat-token': welcome.token, 'x-forwarded-for': '10.8.9.1' },
      body: pdf,
    });
    expect(sent.status, await sent.clone().text()).toBe(201);
    const mine = await v.waitFor<Extract<ServerFrame, { t: 'msg' }>>((f) => f.t === 'msg' && f.m.cid === 'file-1');
    const url = mine.m.attachments[0]?.url;
    expect(url).toMatch(/^\/webchat\/files\//);
    const opened = await fetch(`${a.url}${url}`);
    expect(opened.status).toBe(200);
    expect(Buffer.from(await opened.arrayBuffer()).equals(pdf)).toBe(true);
    await v.close();

    // A ticket's file (the answer's scan) put on the ticket through A, opened from its history through B.
    const auth = { authorization: `Bearer ${token}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const created = await fetch(`${a.url}/api/v1/tickets`, { method: 'POST', headers: json, body: JSON.stringify({ type: 'question', subject: 'Hỏi về hộ tịch', channel: 'phone' }) });
    expect(created.status, await created.clone().text()).toBe(201);
    const ticket = (await created.json()) as { id: number };
    const put = await fetch(`${a.url}/api/v1/tickets/${ticket.id}/attachments?name=${encodeURIComponent('Công văn.pdf')}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body: pdf });
    expect(put.status, await put.clone().text()).toBe(201);
    const file = (await put.json()) as { key: string; url: string };
    const answered = await fetch(`${a.url}/api/v1/tickets/${ticket.id}/actions`, { method: 'POST', headers: json, body: JSON.stringify({ action: 'answer', comment: 'Trả lời kèm công văn.', attachments: [{ key: file.key }] }) });
    expect(answered.status, await answered.clone().text()).toBeLessThan(300);
    const scan = await fetch(`${b.url}${file.url}`, { headers: auth });
    expect(scan.status).toBe(200);
    expect(Buffer.from(await scan.arrayBuffer()).equals(pdf)).toBe(true);
  });

  it.skipIf(!nginxInstalled())('through the proxy of deploy/nginx.conf: widget sockets and the live feed upgrade, a reply reaches the widget', async () => {
    const proxy = (await startProxy([a, b]))!;
    try {
      const through = { name: 'proxy', url: proxy.url } as Node;
      const feed = await openLiveFeed(through, token);
      sockets.push(feed.socket);
      const { v } = await widget(through, {}, '10.8.10.1');
      v.send({ t: 'msg', cid: 'px-1', text: 'Qua proxy' });
      const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
      await until(() => feed.frames.some((f) => f.type === 'message.created' && f.conversationId === session.conversationId), 'the message on the feed through the proxy');
      await agentReply(through, session.conversationId, 'Trả lời qua proxy');
      await v.waitFor((f) => f.t === 'msg' && f.m.text === 'Trả lời qua proxy');
      await v.close();
    } finally {
      await proxy.stop();
    }
  });

  /** Rings, answers and hangs up `count` calls at the switchboard, every event to every node's connection. */
  const placeCalls = (prefix: number, count: number) => {
    const calls = Array.from({ length: count }, (_, i) => ({ linkedId: `${prefix}.${100 + i * 2}`, number: `0913${String(prefix % 1000).padStart(3, '0')}${String(i).padStart(3, '0')}`, talk: 30 + i }));
    const events = calls.map((call) => queueCallEvents({ ...call, extension: '101', t0: Date.parse('2026-12-07T02:00:00Z'), answerAfter: 5 }));
    for (const stage of ['ringing', 'answered', 'ended'] as const) for (const call of events) for (const event of call[stage]) pbx.emit(event as AmiFields);
    return calls;
  };
  const loggedCalls = (linkedIds: string[]) => rows<{ external_id: string; status: string; duration_seconds: number }>('select external_id, status, duration_seconds from calls where external_id = any($1) order by external_id', [linkedIds]);

  it('every node holds its own switchboard connection; each call is logged once and announced once on every feed', async () => {
    await until(() => pbx.connected === 2, 'both nodes logged in to the switchboard', 20_000);
    const feeds = await Promise.all([openLiveFeed(a, token), openLiveFeed(b, token)]);
    sockets.push(...feeds.map((f) => f.socket));
    const calls = placeCalls(1765200000, 8);
    const ids = calls.map((call) => call.linkedId);
    await until(async () => (await loggedCalls(ids)).every((row) => row.status === 'ended') && (await loggedCalls(ids)).length === ids.length, 'every call logged as ended', 20_000);
    expect((await loggedCalls(ids)).map((row) => [row.external_id, Number(row.duration_seconds)])).toEqual(calls.map((call) => [call.linkedId, call.talk]));
    const frames = (feed: { frames: Array<Record<string, unknown>> }, id: string) => feed.frames.filter((f) => f.type === 'call.updated' && f.externalId === id);
    for (const feed of feeds) await until(() => ids.every((id) => frames(feed, id).some((f) => f.status === 'ended')), 'every call ended on both feeds', 10_000);
    // A little longer, for the other node's copy that would come late.
    await new Promise((r) => setTimeout(r, 300));
    for (const feed of feeds) {
      for (const id of ids) {
        // The ring at the operator's extension (the screen pop) once, the hang-up once.
        expect(frames(feed, id).filter((f) => f.ring === true), id).toHaveLength(1);
        expect(frames(feed, id).filter((f) => f.status === 'ended'), id).toHaveLength(1);
      }
    }
  });

  it('once-only work runs on one node; kill -9 of it while citizens post to both: the other takes over, nothing lost or doubled', async () => {
    // Each lease held by exactly one of the two nodes.
    const pids = new Map([[a.child.pid!, a], [b.child.pid!, b]]);
    const holderOf = async () => new Map((await rows<{ name: string; holder: string }>('select name, holder from leases where expires_at > now()')).map((r) => [r.name, r.holder]));
    await until(async () => [...(await holderOf()).keys()].some((name) => name.startsWith('inbox.')), 'the mailbox lease taken');
    const leases = await holderOf();
    expect([...leases.keys()].sort()).toEqual(expect.arrayContaining(['accounts.inactivity', 'privacy.deadlines', 'router.assignment', 'tickets.sweeps']));
    const mailboxLease = [...leases.keys()].find((name) => name.startsWith('inbox.'))!;
    const nodeOf = (holder: string) => pids.get(Number(holder.split('-').at(-2)));
    const reader = nodeOf(leases.get(mailboxLease)!)!;
    const survivor = reader === a ? b : a;

    // Mail read before the kill.
    const before = ['m1', 'm2', 'm3'].map((id) => `cluster-${id}`);
    for (const id of before) await mailbox.deliver(mail(id));
    const stored = async (ids: string[]) =>
      (await rows<{ text: string; n: string }>("select text, count(*) as n from messages where direction = 'in' and text like 'Thư cluster-%' group by text")).filter((r) => ids.includes(r.text.slice(4).trim()));
    await until(async () => (await stored(before)).length === before.length, 'the first mails stored', 20_000);

    // Citizens post to both nodes; a post that gets no answer is retried on the other node.
    const acked = new Map<string, number>();
    const retried = new Set<string>();
    let killedAt = 0;
    let next = 0;
    const client = async (c: number) => {
      for (let n = 0; n < 200; n++) {
        if (killedAt && Date.now() - killedAt > 3000) return;
        const id = `kill-${c}-${next++}`;
        const ip = `10.2.${c}.${n}`;
        let target = (c + n) % 2 ? a : b;
        for (let attempt = 0; attempt < 4; attempt++) {
          if (target.child.exitCode !== null || target.child.signalCode !== null) target = target === a ? b : a;
          try {
            const res = await postQuestion(target, id, ip);
            if (res.status === 202) {
              acked.set(id, ((await res.json()) as { messageId: number }).messageId);
              break;
            }
          } catch {
            // No answer: the client does not know whether it was stored, and sends it again.
          }
          retried.add(id);
          target = target === a ? b : a;
        }
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    await until(() => acked.size >= 60, '60 messages acknowledged', 60_000);
    reader.child.kill('SIGKILL');
    killedAt = Date.now();
    await exited(reader.child);
    await Promise.all(clients);

    // The survivor takes every lease the dead node held, within 30 s.
    await until(async () => {
      const now = await holderOf();
      return [...leases.keys()].every((name) => now.get(name) && nodeOf(now.get(name)!) === survivor);
    }, 'the survivor holding every lease', 30_000);
    const takeover = Date.now() - killedAt;
    expect(takeover).toBeLessThan(30_000);
    console.info(`cluster: ${acked.size} acknowledged, ${retried.size} retried, leases taken over ${takeover} ms after the kill`);

    // Mail that arrives after the kill is read by the survivor; none lost, none twice.
    const after = ['m4', 'm5'].map((id) => `cluster-${id}`);
    for (const id of after) await mailbox.deliver(mail(id));
    await until(async () => (await stored([...before, ...after])).length === 5, 'the mails after the kill stored', 30_000);
    expect((await stored([...before, ...after])).map((r) => Number(r.n))).toEqual([1, 1, 1, 1, 1]);

    // The survivor's own switchboard connection logs the calls after the kill: nothing waited for a lease.
    const calls = placeCalls(1765300000, 3);
    await until(async () => (await loggedCalls(calls.map((call) => call.linkedId))).filter((row) => row.status === 'ended').length === calls.length, 'the calls after the kill logged', 20_000);
    expect((await loggedCalls(calls.map((call) => call.linkedId))).map((row) => Number(row.duration_seconds))).toEqual(calls.map((call) => call.talk));

    // Every acknowledged message stored once, under the id it was acknowledged with.
    const byText = new Map<string, number[]>();
    for (const row of await rows<{ id: number; text: string }>("select id, text from messages where direction = 'in' and text like 'Câu hỏi kill-%'")) {
      byText.set(row.text, [...(byText.get(row.text) ?? []), Number(row.id)]);
    }
    expect([...byText.entries()].filter(([, ids]) => ids.length > 1)).toEqual([]);
    for (const [id, messageId] of acked) expect(byText.get(`Câu hỏi ${id}`), id).toEqual([messageId]);
  }, 400_000);
});

describe.skipIf(!ready)('Redis down and back', () => {
  const database = freshPgUrl();
  const prefix = `gwtest:${randomBytes(4).toString('hex')}:`;
  let redis: ChildProcess;
  let port: number;
  let c: Node;
  let d: Node;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    port = await freePort();
    redis = await startOwnRedis(port);
    const env = { DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PREFIX: prefix, GATEWAY_ADMIN_TOKEN: token, PUBLIC_RATE_LIMIT: '0', CLUSTER_LEASE_SECONDS: '3' };
    [c, d] = await Promise.all([startNode('C', env), startNode('D', env)]);
  }, 120_000);

  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await Promise.all([stopNode(c), stopNode(d)]);
    redis?.kill('SIGKILL');
    await database.drop();
  }, 60_000);

  const readyz = async (node: Node) => ((await (await fetch(`${node.url}/readyz`)).json()) as { status: string; redis?: string }).status;

  it('nodes go on ingesting, say degraded, tell agents to reload, and recover by themselves', async () => {
    const feed = await openLiveFeed(d, token);
    sockets.push(feed.socket);
    const createdOnFeed = (messageId: number) => feed.frames.some((f) => f.type === 'message.created' && f.messageId === messageId);
    const post = async (id: string) => {
      const res = await postQuestion(c, id, '10.3.0.1');
      expect(res.status).toBe(202);
      return ((await res.json()) as { messageId: number }).messageId;
    };
    expect(await readyz(c)).toBe('ready');
    const first = await post('redis-1');
    await until(() => createdOnFeed(first), 'a message on C seen on D');

    // A visitor on D who will get an answer typed on C while Redis is down.
    const { v } = await widget(d);
    v.send({ t: 'msg', cid: 'r1', text: 'Xin hỏi' });
    const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');

    redis.kill('SIGKILL');
    await exited(redis);
    await until(() => feed.frames.some((f) => f.type === 'cluster.status' && f.state === 'degraded'), 'the feed saying degraded', 10_000);
    await until(async () => (await readyz(c)) === 'degraded', '/readyz degraded on C', 10_000);

    // Ingest and replies go on: the data lives in PostgreSQL.
    const during = [await post('redis-2'), await post('redis-3')];
    await agentReply(c, session.conversationId, 'Trả lời trong lúc Redis ngừng');

    redis = await startOwnRedis(port);
    await until(() => feed.frames.some((f) => f.type === 'cluster.status' && f.state === 'connected' && f.refresh === true), 'the feed telling agents to reload', 20_000);
    await until(async () => (await readyz(c)) === 'ready' && (await readyz(d)) === 'ready', '/readyz ready again', 10_000);
    expect(during.some(createdOnFeed)).toBe(false);

    // The widget catches up from the store; the feed is live again.
    await v.waitFor((f) => f.t === 'msg' && f.m.text === 'Trả lời trong lúc Redis ngừng', 10_000);
    const last = await post('redis-4');
    await until(() => createdOnFeed(last), 'a message on C seen on D after recovery');
    await v.close();
  }, 90_000);
});
