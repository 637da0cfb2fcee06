import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/core/audit.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

describe('REST API /api/v1', () => {
  let gw: TestApp;
  const ids: number[] = [];
  beforeAll(async () => {
    gw = await startTestApp({ listen: false });
    for (const [i, phone] of ['0912000101', '0912000102', '0912000103'].entries()) {
      const res = await gw.app.inject({ method: 'POST', url: '/api/public/messages', payload: { name: `Công dân ${i}`, phone, text: `câu hỏi ${i}` } });
      ids.push(res.json().conversationId);
      // The bot's answer moves the conversation up the list too: each is answered before the next
      // citizen writes, so the list's order is the order they wrote in.
      await gw.app.gateway.inbound.idle();
    }
  });
  afterAll(() => gw.close());

  it('refuses calls without a valid token', async () => {
    expect((await gw.app.inject({ url: '/api/v1/conversations' })).statusCode).toBe(401);
    expect((await gw.app.inject({ url: '/api/v1/conversations', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${ids[0]}/messages`, payload: { text: 'x' } })).statusCode).toBe(401);
  });

  it('lists conversations newest first, pages with a cursor and filters', async () => {
    const first = await gw.app.inject({ url: '/api/v1/conversations?limit=2', headers: gw.auth });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.items.map((c: { id: number }) => c.id)).toEqual([ids[2], ids[1]]);
    const page2 = (await gw.app.inject({ url: `/api/v1/conversations?limit=2&cursor=${page1.nextCursor}`, headers: gw.auth })).json();
    expect(page2.items.map((c: { id: number }) => c.id)).toEqual([ids[0]]);
    expect(page2.nextCursor).toBeNull();
    const webform = (await gw.app.inject({ url: '/api/v1/conversations?channel=webform&status=open', headers: gw.auth })).json();
    expect(webform.items).toHaveLength(3);
    const zalo = (await gw.app.inject({ url: '/api/v1/conversations?channel=zalo-oa', headers: gw.auth })).json();
    expect(zalo.items).toHaveLength(0);
  });

  it('changes status, records it as activity and in the audit log', async () => {
    const res = await gw.app.inject({ method: 'PATCH', url: `/api/v1/conversations/${ids[0]}`, headers: gw.auth, payload: { status: 'resolved' } });
    expect(res.json()).toEqual({ id: ids[0], status: 'resolved', changed: true });
    const again = await gw.app.inject({ method: 'PATCH', url: `/api/v1/conversations/${ids[0]}`, headers: gw.auth, payload: { status: 'resolved' } });
    expect(again.json().changed).toBe(false);
    const resolved = (await gw.app.inject({ url: '/api/v1/conversations?status=resolved', headers: gw.auth })).json();
    expect(resolved.items.map((c: { id: number }) => c.id)).toEqual([ids[0]]);
    const messages = (await gw.app.inject({ url: `/api/v1/conversations/${ids[0]}/messages`, headers: gw.auth })).json().items;
    expect(messages.at(-1)).toMatchObject({ direction: 'activity', metadata: { from: 'open', to: 'resolved' } });
    const bad = await gw.app.inject({ method: 'PATCH', url: `/api/v1/conversations/${ids[0]}`, headers: gw.auth, payload: { status: 'closed' } });
    expect(bad.statusCode).toBe(400);
  });

  it('audits every read of personal data in an intact chain', async () => {
    await gw.app.inject({ url: `/api/v1/conversations/${ids[1]}`, headers: gw.auth });
    const { store } = gw.app.gateway;
    const rows = await store.db.select().from(store.t.auditEvents);
    expect(rows.some((r) => r.action === 'conversation.read' && r.subjectId === String(ids[1]) && r.actor === 'token:bootstrap-admin')).toBe(true);
    expect(await verifyAuditChain(store)).toBeNull();
  });

  it('answers 404 for a missing conversation and creates tokens for admins only', async () => {
    expect((await gw.app.inject({ url: '/api/v1/conversations/999999', headers: gw.auth })).statusCode).toBe(404);
    const created = await gw.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: gw.auth, payload: { name: 'cổng DVC', role: 'integration' } });
    expect(created.statusCode).toBe(201);
    const integration = { authorization: `Bearer ${created.json().token}` };
    expect((await gw.app.inject({ url: '/api/v1/conversations', headers: integration })).statusCode).toBe(200);
    expect((await gw.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: integration, payload: { name: 'x', role: 'admin' } })).statusCode).toBe(403);
  });
});

describe('operations endpoints', () => {
  let gw: TestApp;
  beforeAll(async () => {
    gw = await startTestApp({ listen: false });
  });
  afterAll(() => gw.close());

  it('reports health, readiness, metrics and OpenAPI docs', async () => {
    expect((await gw.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await gw.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
    await gw.app.inject({ method: 'POST', url: '/api/public/messages', payload: { name: 'A', phone: '0912000999', text: 'x' } });
    const metrics = (await gw.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('gateway_messages_ingested_total{channel="webform",result="stored"} 1');
    expect(metrics).toContain('gateway_http_request_duration_seconds_bucket');
    const spec = (await gw.app.inject({ url: '/docs/json' })).json();
    for (const path of ['/api/public/messages', '/api/v1/conversations', '/api/v1/conversations/{id}/messages', '/healthz', '/readyz']) {
      expect(spec.paths, path).toHaveProperty([path]);
    }
    expect((await gw.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('is not ready once the store is gone', async () => {
    await gw.app.gateway.store.close();
    expect((await gw.app.inject({ url: '/readyz' })).statusCode).toBe(503);
  });
});
