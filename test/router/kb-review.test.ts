// The hotline reviews its knowledge base before going live: with router.answerUnreviewed off, a
// question that matches an unreviewed (or overdue) entry goes to people with the entry suggested;
// the operator sees what the bot considered and sends one; a reviewed entry is answered again.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';

interface MessageRow {
  id: number;
  direction: string;
  sender_type: string;
  sender_ref: string | null;
  text: string | null;
  metadata: string | Record<string, unknown> | null;
}
const json = (value: unknown) => (typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : ((value ?? {}) as Record<string, unknown>));

describe('knowledge-base review and router.answerUnreviewed', () => {
  let gw: TestApp;
  let dir: string;
  let visitor = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw1022-kb-review-'));
    cpSync(new URL('../../config/knowledge-base', import.meta.url), dir, { recursive: true });
    gw = await startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ router: { knowledgeBase: dir, answerUnreviewed: false } }) } });
  });
  afterAll(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A citizen asks through the public API; resolves once the router has handled it. */
  async function ask(text: string): Promise<{ conversationId: number; messages: MessageRow[] }> {
    const res = await gw.app.inject({ method: 'POST', url: '/api/public/messages', payload: { name: `Công dân ${++visitor}`, phone: `09123450${String(visitor).padStart(2, '0')}`, text, clientMessageId: `kb-review-${visitor}` } });
    expect(res.statusCode, res.body).toBe(202);
    const { conversationId } = res.json() as { conversationId: number };
    await gw.app.gateway.inbound.idle();
    const { store } = gw.app.gateway;
    const messages = await store.rows<MessageRow>(store.db, sql`select id, direction, sender_type, sender_ref, text, metadata from messages where conversation_id = ${conversationId} order by id`);
    return { conversationId, messages };
  }
  const metric = async (state: string) => {
    const text = (await gw.app.inject({ url: '/metrics' })).body;
    return Number(new RegExp(`^gateway_knowledge_entries\\{review="${state}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
  };
  const listed = async () => (await gw.app.inject({ url: '/api/v1/knowledge-base', headers: gw.auth })).json() as Array<{ id: string; reviewState: string; reviewedBy?: string; reviewBy?: string; reviewedAgainst?: string }>;

  it('flags every entry as unreviewed on the screen and in /metrics', async () => {
    const entries = await listed();
    expect(entries.length).toBeGreaterThanOrEqual(44);
    expect(entries.every((e) => e.reviewState === 'unreviewed')).toBe(true);
    expect(await metric('unreviewed')).toBe(entries.length);
    expect(await metric('current')).toBe(0);
    expect(await metric('overdue')).toBe(0);
  });

  it('hands a question matching an unreviewed entry to people, with the entry suggested; the operator sends it', async () => {
    const { conversationId, messages } = await ask('Làm giấy khai sinh cho con cần gì?');
    // No entry went to the citizen: only the handoff notice.
    expect(messages.filter((m) => m.direction === 'out').map((m) => m.sender_ref)).toEqual(['bot:handoff']);
    const handoff = messages.find((m) => m.direction === 'activity' && m.sender_ref === 'router')!;
    expect(json(handoff.metadata)).toMatchObject({ handoff: 'unreviewed', team: 'ho-tich-tu-phap', suggested: ['khai-sinh'] });
    const conversation = (await gw.app.inject({ url: `/api/v1/conversations/${conversationId}`, headers: gw.auth })).json() as { handler: string };
    expect(conversation.handler).toBe('human');

    const considered = (await gw.app.inject({ url: `/api/v1/conversations/${conversationId}/considered-entries`, headers: gw.auth })).json() as {
      reason: string;
      terms: string[];
      handoffMessageId: number;
      entries: Array<{ entryId: string; title: string; answer: string; score: number; reviewState: string; suggested: boolean }>;
    };
    expect(considered.reason).toBe('unreviewed');
    expect(considered.handoffMessageId).toBe(handoff.id);
    expect(considered.terms.length).toBeGreaterThan(0);
    expect(considered.entries[0]).toMatchObject({ entryId: 'khai-sinh', title: 'Đăng ký khai sinh', reviewState: 'unreviewed', suggested: true });
    expect(considered.entries[0]!.score).toBeGreaterThan(0.3);

    const sent = await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/considered-entries/khai-sinh/send`, headers: gw.auth });
    expect(sent.statusCode, sent.body).toBe(201);
    const { store } = gw.app.gateway;
    const [reply] = await store.rows<MessageRow>(store.db, sql`select id, direction, sender_type, sender_ref, text, metadata from messages where id = ${(sent.json() as { messageId: number }).messageId}`);
    expect(reply!.sender_type).toBe('agent');
    expect(reply!.text).toBe(considered.entries[0]!.answer);
    expect(json(reply!.metadata).kbSuggestion).toEqual({ entryId: 'khai-sinh', score: considered.entries[0]!.score, reviewState: 'unreviewed', suggested: true, handoffMessageId: handoff.id });
  });

  it('answers again once the hotline has reviewed the entry, and counts it current', async () => {
    const reviewed = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/knowledge-base/khai-sinh/review',
      headers: gw.auth,
      payload: { against: 'Luật Hộ tịch 60/2014/QH13; Nghị định 123/2015/NĐ-CP', reviewBy: '2099-06-30' },
    });
    expect(reviewed.statusCode, reviewed.body).toBe(200);
    expect(reviewed.json()).toMatchObject({ id: 'khai-sinh', reviewState: 'current', reviewBy: '2099-06-30' });
    const entry = (await listed()).find((e) => e.id === 'khai-sinh')!;
    expect(entry).toMatchObject({ reviewState: 'current', reviewedAgainst: 'Luật Hộ tịch 60/2014/QH13; Nghị định 123/2015/NĐ-CP', reviewBy: '2099-06-30' });
    expect(entry.reviewedBy).toBeTruthy();
    const file = readFileSync(join(dir, 'khai-sinh.yaml'), 'utf8');
    expect(file).toContain('reviewed: true');
    expect(file).toContain('reviewBy: 2099-06-30');
    expect(file.startsWith('# Chưa xác nhận')).toBe(true);
    expect(await metric('current')).toBe(1);

    const { messages } = await ask('Làm giấy khai sinh cho con cần gì?');
    const bot = messages.filter((m) => m.direction === 'out');
    expect(bot).toHaveLength(1);
    expect(bot[0]!.sender_ref).toBe('kb:khai-sinh');

    const badDate = await gw.app.inject({ method: 'POST', url: '/api/v1/knowledge-base/khai-sinh/review', headers: gw.auth, payload: { against: 'Luật Hộ tịch', reviewBy: '2001-01-01' } });
    expect(badDate.statusCode).toBe(400);
  });

  it('treats an entry past its review-by date as unreviewed', async () => {
    const entry = (await gw.app.inject({ url: '/api/v1/knowledge-base/khai-tu', headers: gw.auth })).json() as Record<string, unknown>;
    const saved = await gw.app.inject({ method: 'PUT', url: '/api/v1/knowledge-base/khai-tu', headers: gw.auth, payload: { ...entry, reviewed: true, reviewedBy: 'Tổ hộ tịch', reviewedAt: '2024-01-02', reviewedAgainst: 'Luật Hộ tịch', reviewBy: '2024-07-01' } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect((await listed()).find((e) => e.id === 'khai-tu')?.reviewState).toBe('overdue');
    expect(await metric('overdue')).toBe(1);
    const { messages } = await ask('thủ tục khai tử cần giấy tờ gì');
    expect(messages.filter((m) => m.direction === 'out').map((m) => m.sender_ref)).toEqual(['bot:handoff']);
    expect(json(messages.find((m) => m.direction === 'activity')!.metadata)).toMatchObject({ handoff: 'unreviewed', suggested: ['khai-tu'] });
  });
});
