// Property-based fuzzing of the gateway's doors, on SQLite and PostgreSQL: the public API, each
// signed webhook (signed and unsigned), the widget socket and the inbox API get random and
// mutated input. Properties: never a 5xx, nothing unsigned stored, every usable signed event
// stored exactly once, the process still answering. Seeded and bounded in time so it stays cheap;
// a failure prints its seed and path for `fc.assert`'s replay.
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { graphIds, messengerEnv, postMessengerBatch, postZaloEvent, startPlatformStandin, zaloEnv, zaloIds, type PlatformStandin } from '../helpers/platform-standins.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';
import { Visitor, openWidgetSocket } from '../helpers/widget-visitor.ts';

const pgUp = await postgresAvailable();
const seed = Number(process.env.FUZZ_SEED ?? 1022);
/** Each target runs at most this long, whatever numRuns says. */
const budgetMs = Number(process.env.FUZZ_BUDGET_MS ?? 3000);
const settings = (numRuns: number) => ({ seed, numRuns, interruptAfterTimeLimit: budgetMs, markInterruptAsFailure: false });

/** Text as attackers and broken clients send it: NUL, lone surrogates, long runs, any code unit. */
const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', '\u0000', 'a\u0000b', '\uD800', 'x\uDFFF', '\uFEFF', '<script>alert(1)</script>', "'; drop table messages; --", 'Nguyễn Văn A'),
  fc.string({ maxLength: 3 }).map((s) => s.repeat(2000)),
);
/** Any JSON value, with odd text in it. */
const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    oddText,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(oddText, fc.constantFrom('mid', 'text', 'attachments', 'message', 'sender', 'id', 'payload')), tie('value'), { maxKeys: 4 }),
  ),
})).value;
/** A valid object with one field replaced by anything, or removed. */
const mutated = <T extends Record<string, unknown>>(valid: T) =>
  fc.tuple(fc.constantFrom(...Object.keys(valid)), fc.option(anyJson, { nil: undefined })).map(([key, value]) => {
    const copy: Record<string, unknown> = { ...valid };
    if (value === undefined) delete copy[key];
    else copy[key] = value;
    return copy;
  });

let unique = 0;
const nextId = () => `${Date.now().toString(36)}${(++unique).toString(36)}`;

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('fuzz (%s)', (_name, onPg) => {
  const skip = onPg && !pgUp;
  let gw: TestApp;
  let standin: PlatformStandin;
  let drop: (() => Promise<void>) | undefined;

  // Citizens' messages only: the bot's answers to earlier, signed events land whenever the router
  // gets to them, and are not what an unsigned post could have stored.
  const messageCount = async () => {
    const { store } = gw.app.gateway;
    return (await store.db.select({ id: store.t.messages.id }).from(store.t.messages).where(eq(store.t.messages.direction, 'in'))).length;
  };
  const storedOnce = async (externalId: string) => {
    const { store } = gw.app.gateway;
    const { eq } = await import('drizzle-orm');
    return (await store.db.select({ id: store.t.messages.id }).from(store.t.messages).where(eq(store.t.messages.externalId, externalId))).length;
  };
  const alive = async () => (await fetch(`${gw.url}/healthz`)).status === 200;

  beforeAll(async () => {
    if (skip) return;
    standin = await startPlatformStandin();
    const pg = onPg ? freshPgUrl() : undefined;
    drop = pg?.drop;
    gw = await startTestApp({ env: { ...messengerEnv(standin), ...zaloEnv(standin), ...(pg ? { DATABASE_URL: pg.url } : {}) } });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await standin?.close();
    await drop?.();
  });

  it.skipIf(skip)('public API: random and mutated bodies never give a 5xx', async () => {
    const valid = { name: 'Trần Thị C', phone: '0912345678', text: 'Hỏi thủ tục', clientMessageId: 'fz-1' };
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, mutated(valid)), async (body) => {
        const response = await fetch(`${gw.url}/api/public/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(response.status).toBeLessThan(500);
      }),
      settings(60),
    );
    expect(await alive()).toBe(true);
  }, 30_000);

  it.skipIf(skip)('Messenger webhook: signed batches store each usable event once; unsigned ones store nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(anyJson, fc.constant('valid')), { minLength: 1, maxLength: 4 }), fc.boolean(), async (events, signed) => {
        const valid: string[] = [];
        const messaging = events.map((event) => {
          if (event !== 'valid') return event;
          const mid = `m_fz_${nextId()}`;
          valid.push(mid);
          return { sender: { id: '9900000000000001' }, recipient: { id: graphIds.pageId }, timestamp: Date.now(), message: { mid, text: 'Câu hỏi' } };
        });
        const batch = { object: 'page', entry: [{ id: graphIds.pageId, time: Date.now(), messaging }] };
        const before = signed ? 0 : await messageCount();
        const response = await postMessengerBatch(gw, batch, signed ? {} : { signature: 'sha256=' + '0'.repeat(64) });
        if (!signed) {
          expect(response.status).toBe(403);
          expect(await messageCount()).toBe(before);
          return;
        }
        expect(response.status).toBe(200);
        // Facebook retries what it thinks failed: the same batch again stores nothing new.
        expect((await postMessengerBatch(gw, batch)).status).toBe(200);
        for (const mid of valid) expect(await storedOnce(mid)).toBe(1);
      }),
      settings(30),
    );
    expect(await alive()).toBe(true);
  }, 30_000);

  it.skipIf(skip)('Zalo webhook: signed events are acknowledged, usable ones stored once; unsigned ones store nothing', async () => {
    const validEvent = () => ({
      app_id: zaloIds.appId,
      event_name: 'user_send_text',
      timestamp: String(Date.now()),
      sender: { id: '8800000000000001' },
      recipient: { id: zaloIds.oaId },
      message: { msg_id: `z_fz_${nextId()}`, text: 'Xin chào' },
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant(null), fc.tuple(fc.constantFrom('event_name', 'sender', 'recipient', 'message', 'timestamp'), anyJson)), fc.boolean(), async (mutation, signed) => {
        const event: Record<string, unknown> = validEvent();
        if (mutation) event[mutation[0]] = mutation[0] === 'timestamp' ? event.timestamp : mutation[1];
        const before = signed ? 0 : await messageCount();
        const response = await postZaloEvent(gw, event, signed ? {} : { signature: 'mac=' + 'f'.repeat(64) });
        if (!signed) {
          expect(response.status).toBe(401);
          expect(await messageCount()).toBe(before);
          return;
        }
        expect(response.status).toBe(200);
        if (!mutation) {
          expect((await postZaloEvent(gw, event)).status).toBe(200);
          expect(await storedOnce((event.message as { msg_id: string }).msg_id)).toBe(1);
        }
      }),
      settings(30),
    );
    expect(await alive()).toBe(true);
  }, 30_000);

  it.skipIf(skip)('widget socket: random frames never bring the gateway down', async () => {
    const visitor = new Visitor(await openWidgetSocket(gw));
    visitor.send({ t: 'hello' });
    await visitor.waitFor((frame) => frame.t === 'welcome');
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, fc.record({ t: fc.constantFrom('msg', 'profile', 'typing', 'seen', 'hello'), cid: oddText, text: oddText, name: oddText, id: anyJson })), async (frame) => {
        if (visitor.ws.readyState === visitor.ws.OPEN) visitor.ws.send(JSON.stringify(frame));
      }),
      settings(80),
    );
    await visitor.close();
    expect(await alive()).toBe(true);
    // A new visitor is still served.
    const fresh = new Visitor(await openWidgetSocket(gw));
    fresh.send({ t: 'hello' });
    await fresh.waitFor((frame) => frame.t === 'welcome');
    await fresh.close();
  }, 30_000);

  it.skipIf(skip)('inbox API: random bodies and query strings on its endpoints never give a 5xx', async () => {
    const endpoints: Array<[string, string]> = [
      ['GET', '/api/v1/conversations'],
      ['PATCH', '/api/v1/conversations/1'],
      ['POST', '/api/v1/conversations/1/messages'],
      ['POST', '/api/v1/conversations/1/notes'],
      ['GET', '/api/v1/contacts'],
      ['POST', '/api/v1/tickets'],
      ['GET', '/api/v1/tickets'],
      ['POST', '/api/v1/tickets/1/actions'],
      ['POST', '/api/v1/agents'],
      ['PUT', '/api/v1/agents/1/presence'],
      ['POST', '/api/v1/labels'],
      ['POST', '/api/v1/canned-answers'],
      ['POST', '/api/auth/login'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), anyJson, fc.dictionary(fc.constantFrom('q', 'from', 'to', 'limit', 'beforeId', 'status', 'conversationId', 'label'), oddText, { maxKeys: 3 }), async ([method, path], body, query) => {
        const url = `${gw.url}${path}?${new URLSearchParams(query as Record<string, string>).toString()}`;
        const response = await fetch(url, {
          method,
          headers: { ...gw.auth, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
          ...(method === 'GET' ? {} : { body: JSON.stringify(body) }),
        });
        expect(response.status, `${method} ${url}`).toBeLessThan(500);
      }),
      settings(80),
    );
    expect(await alive()).toBe(true);
  }, 30_000);
});
