import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config/load-config.ts';
import { loggerOptions, maskUrl } from '../../src/core/logging.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { conversationOf, gatewayApi, graphIds, messengerEnv, postMessengerBatch, startPlatformStandin, type PlatformStandin } from '../helpers/platform-standins.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';

const pgUp = await postgresAvailable();
const nul = String.fromCharCode(0);

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('odd input gets the same answer on both stores (%s)', (_name, onPg) => {
  let gateway: TestApp;
  let standin: PlatformStandin;
  let dropSchema: (() => Promise<void>) | undefined;
  const skip = onPg && !pgUp;

  beforeAll(async () => {
    if (skip) return;
    standin = await startPlatformStandin();
    const pg = onPg ? freshPgUrl() : undefined;
    dropSchema = pg?.drop;
    gateway = await startTestApp({ env: { ...messengerEnv(standin), ...(pg ? { DATABASE_URL: pg.url } : {}) } });
  });
  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
    await dropSchema?.();
  });

  const post = (payload: unknown) =>
    fetch(`${gateway.url}/api/public/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  const conversationCount = async () => {
    const { store } = gateway.app.gateway;
    return (await store.db.select({ id: store.t.conversations.id }).from(store.t.conversations)).length;
  };

  it.skipIf(skip)('refuses NUL and lone surrogates in the public API with a 400 naming the field, and stores nothing', async () => {
    const before = await conversationCount();
    const base = { name: 'Trần Văn B', phone: '0912345678', text: 'Hỏi về hộ chiếu' };
    for (const [field, payload] of [
      ['name', { ...base, name: `Trần${nul}Văn B` }],
      ['name', { ...base, name: nul }],
      ['text', { ...base, text: 'Hộ chiếu \uD800 hỏng' }],
      ['text', { ...base, text: 'đuôi \uDC00' }],
      ['unit', { ...base, unit: `xã${nul}` }],
    ] as const) {
      const response = await post(payload);
      expect(response.status, JSON.stringify(payload)).toBe(400);
      const body = (await response.json()) as { fields: Array<{ field: string }> };
      expect(body.fields.map((f) => f.field)).toContain(field);
    }
    expect(await conversationCount()).toBe(before);
  });

  it.skipIf(skip)('takes body fields only in the types the schema gives: no number or list turned into text', async () => {
    const before = await conversationCount();
    for (const payload of [
      { name: 123, phone: '0912345678', text: 'Câu hỏi' },
      { name: 'Lê C', phone: '0912345678', text: ['a'] },
      { name: 'Lê C', phone: 912345678, text: 'Câu hỏi' },
    ]) {
      const response = await post(payload);
      expect(response.status, JSON.stringify(payload)).toBe(400);
    }
    expect(await conversationCount()).toBe(before);
    // The right shape still goes through.
    expect((await post({ name: 'Lê C', phone: '0912345678', text: 'Câu hỏi' })).status).toBe(202);
  });

  it.skipIf(skip)('stores a signed platform message holding NUL and a lone surrogate, cleaned, rather than losing it', async () => {
    const psid = `${onPg ? 2 : 1}400000000000004`;
    const text = `Xin chào${nul} \uD83D tổng đài`;
    const response = await postMessengerBatch(gateway, {
      object: 'page',
      entry: [{ id: graphIds.pageId, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: graphIds.pageId }, timestamp: Date.now(), message: { mid: `m_nul_${psid}`, text } }] }],
    });
    expect(response.status).toBe(200);
    const id = await conversationOf(gateway, psid);
    const stored = (await gatewayApi(gateway).messages(id!)).find((m) => m.externalId === `m_nul_${psid}`);
    expect(stored?.text).toBe('Xin chào \uFFFD tổng đài');
  });
});

describe('logged errors', () => {
  it.skipIf(!pgUp)('never carry the values a database driver copied into the error (PostgreSQL)', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const pg = freshPgUrl();
    const app = await buildApp(loadConfig({ DATABASE_URL: pg.url, GATEWAY_ADMIN_TOKEN: 'log-test-admin-token-0123456789' }), {
      loggerInstance: pino(loggerOptions('info') as pino.LoggerOptions, sink),
    });
    // A failing insert carrying a citizen's name, phone and words, as any repository's would.
    app.get('/boom', async () => {
      const { store } = app.gateway;
      await store.db.insert(store.t.contacts).values({ id: 'not-a-number' as never, name: 'Phạm Thị Kín', phone: '0987654321', email: 'kin@example.vn', createdAt: new Date(), updatedAt: new Date() });
      return {};
    });
    try {
      const response = await app.inject({ url: '/boom' });
      expect(response.statusCode).toBe(500);
    } finally {
      await app.close();
      await pg.drop();
    }
    const log = lines.join('');
    expect(log).toContain('request failed');
    expect(log).toContain('Failed query');
    for (const secret of ['Phạm Thị Kín', '0987654321', 'kin@example.vn']) expect(log, secret).not.toContain(secret);
  });

  it('mask the file link signature and the capability in rating and survey paths', () => {
    expect(maskUrl('/widget/files/abc.png?sig=0123abcd')).toBe('/widget/files/abc.png?sig=[redacted]');
    expect(maskUrl('/danh-gia/Zk3x_9aa?v=5')).toBe('/danh-gia/[redacted]?v=5');
    expect(maskUrl('/khao-sat/tok123')).toBe('/khao-sat/[redacted]');
  });
});

