import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';

const pgReady = await postgresAvailable();

// The bot's writes are prepared statements (the handoff's one update of the conversation with
// the queue position kept in SQL, its activity line, the reply without re-reading the
// conversation): each dialect runs them.
for (const dialect of ['sqlite', 'pg'] as const) {
  describe.skipIf(dialect === 'pg' && !pgReady)(`the bot's writes on ${dialect}`, () => {
    let gw: TestApp;
    let drop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const pg = dialect === 'pg' ? freshPgUrl() : undefined;
      drop = pg?.drop;
      gw = await startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ businessHours: undefined }), ...(pg ? { DATABASE_URL: pg.url } : {}) } });
    });
    afterAll(async () => {
      await gw.close();
      await drop?.();
    });

    const ask = async (phone: string, text: string, visitorKey?: string) => {
      const res = await gw.app.inject({ method: 'POST', url: '/api/public/messages', payload: { name: 'Công dân', phone, text, ...(visitorKey ? { visitorKey } : {}) } });
      expect(res.statusCode).toBe(202);
      await gw.app.gateway.inbound.idle();
      return res.json() as { conversationId: number; visitorKey: string };
    };
    /** The conversation's messages once the outbox has settled every reply in it. */
    const settled = async (id: number) => {
      for (let i = 0; i < 100; i++) {
        const rows = await messageRows(id);
        if (!rows.some((m) => m.direction === 'out' && (m.status === 'queued' || m.status === 'sending'))) return rows;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('replies still queued after 2 s');
    };
    const conversationRow = async (id: number) => {
      const { store } = gw.app.gateway;
      const [row] = await store.db.select().from(store.t.conversations).where(eq(store.t.conversations.id, id));
      return row!;
    };
    const messageRows = async (id: number) => {
      const { store } = gw.app.gateway;
      return store.db.select().from(store.t.messages).where(eq(store.t.messages.conversationId, id)).orderBy(store.t.messages.id);
    };

    it('answers once, sent on commit with nothing left for the outbox (the web form delivers on commit), and touches the conversation', async () => {
      const { conversationId } = await ask('0912000301', 'lam cccd o dau vay ad');
      const rows = await messageRows(conversationId);
      const answers = rows.filter((m) => m.senderType === 'bot');
      expect(answers.map((m) => [m.senderRef, m.status])).toEqual([['kb:cap-can-cuoc', 'sent']]);
      expect(answers[0]!.sentAt?.getTime()).toBe(answers[0]!.createdAt.getTime());
      const { store } = gw.app.gateway;
      expect(await store.db.select().from(store.t.outbox).where(eq(store.t.outbox.conversationId, conversationId))).toEqual([]);
      expect((await conversationRow(conversationId)).lastMessageAt?.getTime()).toBe(answers[0]!.createdAt.getTime());

      // An agent's reply there is sent on commit too, and the API says so rather than "queued".
      const agentReply = await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: gw.auth, payload: { text: 'Anh/chị mang CCCD cũ theo.' } });
      expect(agentReply.statusCode).toBe(201);
      expect(agentReply.json()).toMatchObject({ status: 'sent' });
      expect((await messageRows(conversationId)).find((m) => m.id === agentReply.json().messageId)?.status).toBe('sent');
    });

    it('puts a handoff in the queue, with its activity line and notice', async () => {
      const before = Date.now();
      const { conversationId } = await ask('0912000302', 'tôi muốn gặp nhân viên');
      const conversation = await conversationRow(conversationId);
      expect(conversation).toMatchObject({ handler: 'human', status: 'open' });
      expect(conversation.teamId).not.toBeNull();
      expect(conversation.waitingSince!.getTime()).toBeGreaterThanOrEqual(before);
      const rows = await settled(conversationId);
      expect(rows.filter((m) => m.direction === 'activity' && (m.metadata as { handoff?: string } | null)?.handoff === 'person')).toHaveLength(1);
      expect(rows.filter((m) => m.senderRef === 'bot:handoff').map((m) => m.status)).toEqual(['sent']);
    });

    it('keeps the queue position of a conversation already waiting', async () => {
      const first = await ask('0912000303', 'lam cccd o dau vay ad');
      // Waiting since an hour ago while the bot still has it (a team set by hand, say).
      const { store } = gw.app.gateway;
      const hourAgo = new Date(Date.now() - 3_600_000);
      await store.tx((db) => db.update(store.t.conversations).set({ waitingSince: hourAgo }).where(eq(store.t.conversations.id, first.conversationId)));
      await ask('0912000303', 'cho tôi gặp nhân viên', first.visitorKey);
      const conversation = await conversationRow(first.conversationId);
      expect(conversation.handler).toBe('human');
      expect(conversation.waitingSince!.getTime()).toBe(hourAgo.getTime());
    });
  });
}
