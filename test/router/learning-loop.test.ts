// Learning from the operators, end to end: the bot hands off a question it cannot place, an
// operator answers it with a knowledge-base entry, the question (without the citizen's personal
// data) waits for a supervisor, who accepts it; the same question is then answered by the bot.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';

describe('the bot learns a way of asking from an operator, with a supervisor’s yes', () => {
  let gw: TestApp;
  let dir: string;
  let visitor = 0;
  // How a citizen asks for a child's birth registration in words no entry uses.
  const question = 'thằng cu nhà tui mới lọt lòng, giờ giấy tờ cho nó sao';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw1022-learning-'));
    cpSync(new URL('../../config/knowledge-base', import.meta.url), dir, { recursive: true });
    gw = await startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ router: { knowledgeBase: dir } }) } });
  });
  afterAll(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ask(text: string): Promise<{ conversationId: number; out: Array<{ senderRef: string | null; metadata: unknown }> }> {
    visitor++;
    const res = await gw.app.inject({ method: 'POST', url: '/api/public/messages', payload: { name: `Công dân ${visitor}`, phone: `09876543${String(visitor).padStart(2, '0')}`, text, clientMessageId: `learn-${visitor}` } });
    expect(res.statusCode, res.body).toBe(202);
    const { conversationId } = res.json() as { conversationId: number };
    await gw.app.gateway.inbound.idle();
    const { items: messages } = (await gw.app.inject({ url: `/api/v1/conversations/${conversationId}/messages`, headers: gw.auth })).json() as { items: Array<{ direction: string; senderRef: string | null; metadata: unknown }> };
    return { conversationId, out: messages.filter((m) => m.direction === 'out') };
  }

  it('hands off, proposes what the operator answered, and answers it once a supervisor accepts', async () => {
    // 1. The bot does not know this way of asking: a person gets it.
    const first = await ask(`Tui tên Lê Văn Tư, sđt 0912 000 111. ${question}`);
    expect(first.out.map((m) => m.senderRef)).toEqual(['bot:handoff']);

    // 2. The operator answers with the birth registration entry, from the entries the bot considered.
    const sent = await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${first.conversationId}/considered-entries/khai-sinh/send`, headers: gw.auth });
    expect(sent.statusCode, sent.body).toBe(201);

    // 3. The question waits for a supervisor, without the citizen's name or number.
    const pending = (await gw.app.inject({ url: '/api/v1/kb-proposals', headers: gw.auth })).json() as Array<{ id: number; entryId: string; question: string; status: string }>;
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ entryId: 'khai-sinh', status: 'pending' });
    expect(pending[0]!.question).toContain('mới lọt lòng');
    expect(pending[0]!.question).not.toMatch(/Lê Văn Tư|0912/);

    // Nothing is learned before the yes: the same question is still handed off.
    expect((await ask(question)).out.map((m) => m.senderRef)).toEqual(['bot:handoff']);

    // 4. The supervisor accepts it, trimmed to the question itself.
    const accepted = await gw.app.inject({ method: 'POST', url: `/api/v1/kb-proposals/${pending[0]!.id}/accept`, headers: gw.auth, payload: { question } });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(readFileSync(join(dir, 'khai-sinh.yaml'), 'utf8')).toContain(question);
    // A decided proposal cannot be decided again.
    expect((await gw.app.inject({ method: 'POST', url: `/api/v1/kb-proposals/${pending[0]!.id}/reject`, headers: gw.auth })).statusCode).toBe(409);

    // 5. Asked again, the bot answers it with the entry.
    const again = await ask(question);
    expect(again.out.map((m) => m.senderRef)).toEqual(['kb:khai-sinh']);
  });

  it('learns nothing from a rejected proposal', async () => {
    const other = 'cho hỏi vụ giấy tờ cho ông bà già đi xa nước ngoài thăm con';
    const first = await ask(other);
    expect(first.out.map((m) => m.senderRef)).toEqual(['bot:handoff']);
    expect((await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${first.conversationId}/considered-entries/cap-can-cuoc/send`, headers: gw.auth })).statusCode).toBe(201);
    const [proposal] = (await gw.app.inject({ url: '/api/v1/kb-proposals', headers: gw.auth })).json() as Array<{ id: number }>;
    expect((await gw.app.inject({ method: 'POST', url: `/api/v1/kb-proposals/${proposal!.id}/reject`, headers: gw.auth })).statusCode).toBe(200);
    expect(readFileSync(join(dir, 'cap-can-cuoc.yaml'), 'utf8')).not.toContain('thăm con');
    expect((await gw.app.inject({ url: '/api/v1/kb-proposals?status=rejected', headers: gw.auth })).json()).toHaveLength(1);
  });
});
