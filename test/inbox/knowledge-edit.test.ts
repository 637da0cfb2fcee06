// Admins edit the knowledge base from the inbox: the bot answers from the edit at once, a bad
// edit changes nothing, and only admins may edit. The knowledge base is a copy of the shipped one.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';

describe('editing the knowledge base', () => {
  let gw: TestApp;
  let dir: string;
  const answer = async (text: string) => (await gw.app.inject({ method: 'POST', url: '/api/v1/router/answer', headers: gw.auth, payload: { text } })).json() as { decision: string; entryId?: string; answer?: string };
  const put = (id: string, body: unknown, headers = gw.auth) => gw.app.inject({ method: 'PUT', url: `/api/v1/knowledge-base/${id}`, headers, payload: body as never });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw1022-kb-'));
    cpSync(new URL('../../config/knowledge-base', import.meta.url), dir, { recursive: true });
    gw = await startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ router: { knowledgeBase: dir } }) } });
  });
  afterAll(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers from a changed entry at once and keeps the file readable, with its notes', async () => {
    const entry = (await gw.app.inject({ url: '/api/v1/knowledge-base/khai-tu', headers: gw.auth })).json() as Record<string, unknown>;
    const changed = { ...entry, answer: 'Đăng ký khai tử: nộp tại UBND xã trong 15 ngày (đã được tổng đài kiểm tra).', reviewed: true, lastReviewed: '2026-11-30' };
    const saved = await put('khai-tu', changed);
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ id: 'khai-tu', created: false });
    const bot = await answer('thủ tục khai tử cần giấy tờ gì');
    expect(bot).toMatchObject({ decision: 'answer', entryId: 'khai-tu' });
    expect(bot.answer).toContain('đã được tổng đài kiểm tra');
    const file = readFileSync(join(dir, 'khai-tu.yaml'), 'utf8');
    expect(file.startsWith('# Chưa xác nhận')).toBe(true);
    expect(file).toContain('reviewed: true');
  });

  it('adds a new entry the bot can answer from', async () => {
    const created = await put('the-bhyt-hoc-sinh', {
      title: 'Thẻ bảo hiểm y tế học sinh, sinh viên',
      field: 'bao-hiem',
      fieldName: 'Bảo hiểm',
      team: 'lao-dong-xa-hoi',
      level: 'truong-hoc',
      questions: ['mua bảo hiểm y tế học sinh ở đâu', 'bhyt hoc sinh dong o dau'],
      keywords: ['bảo hiểm y tế học sinh'],
      answer: 'Học sinh, sinh viên tham gia BHYT tại trường đang học; hỏi phòng y tế của trường.',
      lastReviewed: '2026-11-30',
      reviewed: false,
    });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json().created).toBe(true);
    expect(await answer('mua bảo hiểm y tế học sinh ở đâu')).toMatchObject({ decision: 'answer', entryId: 'the-bhyt-hoc-sinh' });
  });

  it('refuses a bad entry, names what is wrong, and changes nothing', async () => {
    const before = readFileSync(join(dir, 'ket-hon.yaml'), 'utf8');
    const entry = (await gw.app.inject({ url: '/api/v1/knowledge-base/ket-hon', headers: gw.auth })).json() as Record<string, unknown>;
    const noQuestions = await put('ket-hon', { ...entry, questions: [] });
    expect(noQuestions.statusCode).toBe(400);
    expect(noQuestions.json().details.problems).toEqual([expect.stringContaining('questions')]);
    const badTeam = await put('ket-hon', { ...entry, team: 'khong-co-to-nay' });
    expect(badTeam.statusCode).toBe(400);
    expect((await put('ket-hon', { ...entry, id: 'khac' })).statusCode).toBe(400);
    expect(readFileSync(join(dir, 'ket-hon.yaml'), 'utf8')).toBe(before);
    expect(await answer('đăng ký kết hôn cần giấy tờ gì')).toMatchObject({ entryId: 'ket-hon' });
  });

  it('lets only admins edit', async () => {
    const created = await gw.app.inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username: 'gs.kb', displayName: 'Giám sát', role: 'supervisor', teams: [], password: 'Đồng-Tháp-sen-hồng-2026!' } });
    expect(created.statusCode).toBe(201);
    const login = await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'gs.kb', password: 'Đồng-Tháp-sen-hồng-2026!' } });
    const cookie = (login.cookies as Array<{ name: string; value: string }>).map((c) => `${c.name}=${c.value}`).join('; ');
    const entry = (await gw.app.inject({ url: '/api/v1/knowledge-base/khai-sinh', headers: gw.auth })).json() as Record<string, unknown>;
    const refused = await put('khai-sinh', { ...entry, answer: 'x' }, { cookie, 'x-csrf-token': login.json().csrfToken } as never);
    expect(refused.statusCode).toBe(403);
  });
});
