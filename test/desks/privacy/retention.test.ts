// Personal data past its period goes, per kind; what is still being handled stays, and so do the
// counts the monthly report makes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentsDir, createAttachmentStore } from '../../../src/core/attachments.ts';
import type { Attachment } from '../../../src/core/domain/types.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { freshPgUrl, postgresAvailable } from '../../helpers/postgres.ts';

const pgReady = await postgresAvailable();
const dialects = [{ name: 'sqlite', pg: false }, ...(pgReady ? [{ name: 'pg', pg: true }] : [])];
const day = 86_400_000;

describe.each(dialects)('retention on $name', ({ pg: onPg }) => {
  let gw: TestApp;
  let drop: (() => Promise<void>) | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw1022-retention-'));
    const env: Record<string, string> = {
      CONFIG_FILE: testConfigFile({ router: { enabled: false }, retention: { conversationDays: 30, contactDays: 365, dossierDays: 90 } }),
      DATABASE_URL: `file:${join(dir, 'gateway.db')}`,
    };
    if (onPg) {
      const fresh = freshPgUrl();
      env.DATABASE_URL = fresh.url;
      drop = fresh.drop;
    }
    gw = await startTestApp({ env, listen: false });
  });
  afterAll(async () => {
    await gw?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  async function citizen(key: string, text: string, state: 'resolved' | 'open' | 'resolved-with-open-ticket', attachments: Attachment[] = []) {
    const { gateway } = gw.app;
    const { store } = gateway;
    const webform = gateway.inboxes.find((inbox) => inbox.channel === 'webform')!;
    const [stored] = await gateway.ingest([{ inboxId: webform.id, externalMessageId: `ret-${key}`, sender: { externalUserId: `webform:${key}`, displayName: `Công dân ${key}` }, text, attachments, sentAt: new Date(), raw: { key } }]);
    if (state === 'resolved-with-open-ticket') {
      const ticket = await gw.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: gw.auth, payload: { type: 'complaint', subject: 'Đang xử lý', conversationId: stored!.conversationId } });
      expect(ticket.statusCode, ticket.body).toBe(201);
    }
    if (state !== 'open') await store.tx((db) => db.update(store.t.conversations).set({ status: 'resolved' }).where(eq(store.t.conversations.id, stored!.conversationId)));
    return stored!;
  }

  it('empties resolved conversations, then clears dossiers, then erases quiet citizens; what is open stays', async () => {
    const { store, retention } = gw.app.gateway;
    const { t } = store;
    const files = createAttachmentStore({ dir: attachmentsDir(gw.app.gateway.config), maxBytes: 1024 * 1024 });
    const saved = await files.save({ bytes: Buffer.from('%PDF-1.4\n% giấy tờ của anh A\n%%EOF\n'), name: 'a.pdf', declaredType: 'application/pdf' });
    if (!saved.ok) throw new Error('file refused');
    const done = await citizen('a', 'Câu hỏi đã xong của anh A', 'resolved', [saved.attachment]);
    const handled = await citizen('b', 'Phản ánh đang xử lý của chị B', 'resolved-with-open-ticket');
    const talking = await citizen('c', 'Câu hỏi còn mở của ông C', 'open');
    const now = new Date();
    await store.tx((db) => db.insert(t.dossiers).values({ code: 'H82.01-RET-1', applicantName: 'Lê Văn D', applicantPhone: '84900000001', finishedAt: now, status: 'done', createdAt: now, updatedAt: now }));
    const textOf = async (conversationId: number) => (await store.db.select({ text: t.messages.text }).from(t.messages).where(eq(t.messages.conversationId, conversationId))).map((row) => row.text);
    const messageCount = async () => Number((await store.db.select({ n: count() }).from(t.messages))[0]!.n);
    const before = await messageCount();

    // Nothing is due yet.
    expect(await retention.sweep(new Date(now.getTime() + 29 * day))).toEqual({ conversations: 0, messages: 0, contacts: 0, dossiers: 0, unusablePayloads: 0 });
    expect(await textOf(done.conversationId)).toEqual(['Câu hỏi đã xong của anh A']);
    expect(await files.read(saved.key)).not.toBeNull();

    // A month on: the resolved conversation loses its words, not its messages.
    expect(await retention.sweep(new Date(now.getTime() + 31 * day))).toMatchObject({ conversations: 1, messages: 1, contacts: 0, dossiers: 0 });
    expect(await textOf(done.conversationId)).toEqual([null]);
    expect(await files.read(saved.key)).toBeNull();
    expect(await textOf(handled.conversationId)).toContain('Phản ánh đang xử lý của chị B');
    expect(await textOf(talking.conversationId)).toEqual(['Câu hỏi còn mở của ông C']);
    expect(await messageCount()).toBe(before);
    // A second pass finds nothing more to do.
    expect(await retention.sweep(new Date(now.getTime() + 31 * day))).toMatchObject({ conversations: 0, messages: 0 });

    // Three months on: the dossier keeps its code and dates, not its applicant.
    expect(await retention.sweep(new Date(now.getTime() + 91 * day))).toMatchObject({ dossiers: 1, contacts: 0 });
    const [dossier] = await store.db.select().from(t.dossiers).where(eq(t.dossiers.code, 'H82.01-RET-1'));
    expect(dossier).toMatchObject({ applicantName: null, applicantPhone: null, status: 'done' });

    // A year on: the citizen with nothing open is erased; the others are still being served.
    expect(await retention.sweep(new Date(now.getTime() + 366 * day))).toMatchObject({ contacts: 1 });
    const contacts = await store.db
      .select({ id: t.contacts.id, name: t.contacts.name, erasedAt: t.contacts.erasedAt })
      .from(t.contacts)
      .where(inArray(t.contacts.id, [done.contactId, handled.contactId, talking.contactId]));
    expect(contacts.find((c) => c.id === done.contactId)).toMatchObject({ name: null, erasedAt: expect.any(Date) });
    expect(contacts.find((c) => c.id === handled.contactId)).toMatchObject({ name: 'Công dân b', erasedAt: null });
    expect(contacts.find((c) => c.id === talking.contactId)).toMatchObject({ name: 'Công dân c', erasedAt: null });

    const sweeps = await store.db.select({ detail: t.auditEvents.detail }).from(t.auditEvents).where(eq(t.auditEvents.action, 'retention.sweep'));
    expect(sweeps).toHaveLength(3);
  });
});
