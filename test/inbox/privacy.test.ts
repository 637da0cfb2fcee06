// A citizen asks what the hotline holds about them, then asks for it to be erased: the request is
// logged with its timers, the export is theirs, the erasure leaves the counts and the record of
// handling and nothing that says who they were.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentsDir, createAttachmentStore } from '../../src/core/attachments.ts';
import { verifyAuditChain } from '../../src/core/audit.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';

const pgReady = await postgresAvailable();
const dialects = [{ name: 'sqlite', pg: false }, ...(pgReady ? [{ name: 'pg', pg: true }] : [])];
const strong = 'Đồng-Tháp-sen-hồng-2026!';
const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n% giấy tờ của công dân\n');

describe.each(dialects)('personal-data requests on $name', ({ pg: onPg }) => {
  let gw: TestApp;
  let drop: (() => Promise<void>) | undefined;
  let dir: string;
  const headers: Record<string, Record<string, string>> = {};
  const call = async (who: string, method: InjectOptions['method'], url: string, payload?: unknown) => {
    const response = await gw.app.inject({ method, url, headers: who === 'admin' ? gw.auth : headers[who]!, ...(payload === undefined ? {} : { payload: payload as never }) });
    return { status: response.statusCode, body: response.body, json: () => response.json() as Record<string, unknown> & { items?: Array<Record<string, unknown>> } };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw1022-privacy-'));
    const env: Record<string, string> = { CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000 }, router: { enabled: false } }), DATABASE_URL: `file:${join(dir, 'gateway.db')}` };
    if (onPg) {
      const fresh = freshPgUrl();
      env.DATABASE_URL = fresh.url;
      drop = fresh.drop;
    }
    gw = await startTestApp({ env, listen: false });
    for (const [username, role] of [['gs.dulieu', 'supervisor'], ['nv.tiepnhan', 'agent']] as const) {
      const created = await gw.app.inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username, displayName: username, role, teams: role === 'agent' ? ['tiep-nhan-chung'] : [], password: strong } });
      expect(created.statusCode, created.body).toBe(201);
      const login = await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: username, password: strong } });
      const cookie = (login.cookies as Array<{ name: string; value: string }>).map((c) => `${c.name}=${c.value}`).join('; ');
      headers[username] = { cookie, 'x-csrf-token': login.json().csrfToken };
    }
  });
  afterAll(async () => {
    await gw?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A citizen who wrote twice (once with a file), got an answer, a ticket, and a dossier. */
  async function citizen(name: string, phone: string, fileBytes: Buffer) {
    const { gateway } = gw.app;
    const webform = gateway.inboxes.find((inbox) => inbox.channel === 'webform')!;
    const files = createAttachmentStore({ dir: attachmentsDir(gateway.config), maxBytes: 1024 * 1024 });
    const saved = await files.save({ bytes: fileBytes, name: 'giay-to.pdf', declaredType: 'application/pdf' });
    if (!saved.ok) throw new Error('file refused');
    // Adapters hand core the phone normalized (84...), as dossiers hold it.
    const sender = { externalUserId: `webform:v-${name.length}${phone.slice(-3)}`, displayName: name, phone: `84${phone.slice(1)}` };
    const [first] = await gateway.ingest([{ inboxId: webform.id, externalMessageId: `wf-${phone.slice(-4)}a`, sender, text: `Tôi là ${name}, nhà ở ấp 3, hỏi về hồ sơ đất`, attachments: [], sentAt: new Date(), raw: { phone } }]);
    await gateway.ingest([{ inboxId: webform.id, externalMessageId: `wf-${phone.slice(-4)}b`, sender, text: 'Gửi kèm giấy tờ', attachments: [saved.attachment], sentAt: new Date(), raw: { phone } }]);
    const reply = await call('admin', 'POST', `/api/v1/conversations/${first!.conversationId}/messages`, { text: `Chào ${name}, hồ sơ đang ở xã.` });
    expect(reply.status).toBe(201);
    const ticket = await call('admin', 'POST', '/api/v1/tickets', { type: 'complaint', subject: 'Hồ sơ đất chậm', body: 'Công dân phản ánh hồ sơ đất chậm trả', conversationId: first!.conversationId });
    expect(ticket.status, ticket.body).toBe(201);
    const { store } = gateway;
    const now = new Date();
    await store.tx((db) =>
      db.insert(store.t.dossiers).values({ code: `H82.01-${phone.slice(-4)}`, procedure: 'Cấp GCN lần đầu', applicantName: name, applicantPhone: `84${phone.slice(1)}`, status: 'done', finishedAt: now, createdAt: now, updatedAt: now }),
    );
    return { contactId: first!.contactId, conversationId: first!.conversationId, key: saved.key, files, ticketCode: ticket.json().code as string, sender };
  }

  it('logs a request with working-day timers, exports what is held, and erases it', async () => {
    const hoa = await citizen('Nguyễn Thị Hoa', '0912345678', pdf);
    // Another citizen sent the very same file: it must outlive Hoa's erasure.
    const other = await citizen('Trần Văn Minh', '0987654321', pdf);

    // Received on Friday 24 April 2026, before Hùng Kings' Day (25-27 April) and 30/4-1/5.
    const logged = await call('gs.dulieu', 'POST', '/api/v1/privacy-requests', { kind: 'erasure', requesterName: 'Nguyễn Thị Hoa', requesterContact: '0912345678', receivedVia: 'phone', details: 'Xin xoá dữ liệu', receivedAt: '2026-04-24T03:00:00Z' });
    expect(logged.status, logged.body).toBe(201);
    const request = logged.json();
    expect(request).toMatchObject({ acknowledgeBy: '2026-04-29T03:00:00.000Z', dueAt: '2026-05-27T03:00:00.000Z', overdue: true, acknowledgementOverdue: true, contactId: null });
    expect((await call('nv.tiepnhan', 'POST', '/api/v1/privacy-requests', { kind: 'access', requesterName: 'X', receivedVia: 'phone' })).status).toBe(403);
    const open = await call('gs.dulieu', 'GET', '/api/v1/privacy-requests?open=true');
    expect(open.json().items!.map((r) => r.id)).toContain(request.id);

    // Access: the file the citizen gets.
    const exported = await call('gs.dulieu', 'GET', `/api/v1/contacts/${hoa.contactId}/personal-data`);
    expect(exported.status).toBe(200);
    const data = JSON.parse(exported.body) as { contact: Record<string, unknown>; conversations: Array<{ messages: Array<{ text: string; files: unknown[] }> }>; tickets: Array<{ code: string }>; dossiers: Array<{ applicantName: string }> };
    expect(data.contact).toMatchObject({ phone: '84912345678' });
    const texts = data.conversations.flatMap((c) => c.messages.map((m) => m.text));
    expect(texts).toEqual(expect.arrayContaining(['Tôi là Nguyễn Thị Hoa, nhà ở ấp 3, hỏi về hồ sơ đất', 'Gửi kèm giấy tờ', 'Chào Nguyễn Thị Hoa, hồ sơ đang ở xã.']));
    expect(data.conversations.flatMap((c) => c.messages.flatMap((m) => m.files))).toEqual([{ name: 'giay-to.pdf', type: 'application/pdf', size: pdf.length }]);
    expect(data.tickets.map((t) => t.code)).toEqual([hoa.ticketCode]);
    expect(data.dossiers.map((d) => d.applicantName)).toEqual(['Nguyễn Thị Hoa']);
    expect(exported.body).not.toContain('Trần Văn Minh');

    // Erasure: not before the contact is named, not by a supervisor, then by an admin.
    expect((await call('admin', 'POST', `/api/v1/privacy-requests/${request.id}/complete`, { outcome: 'done' })).status).toBe(409);
    expect((await call('gs.dulieu', 'POST', `/api/v1/privacy-requests/${request.id}/acknowledge`)).json()).toMatchObject({ acknowledgementOverdue: false });
    expect((await call('gs.dulieu', 'POST', `/api/v1/privacy-requests/${request.id}/contact`, { contactId: hoa.contactId })).status).toBe(200);
    expect((await call('gs.dulieu', 'POST', `/api/v1/privacy-requests/${request.id}/complete`, { outcome: 'done' })).status).toBe(403);
    const done = await call('admin', 'POST', `/api/v1/privacy-requests/${request.id}/complete`, { outcome: 'done' });
    expect(done.status, done.body).toBe(200);
    // Four messages: her two, the answer, and the note of the ticket opened from them.
    expect(done.json()).toMatchObject({ outcome: 'done', overdue: false, erasure: { messages: 4, identities: 1, files: 0, dossiers: 1, ticketsKept: 1 } });
    expect((await call('admin', 'POST', `/api/v1/privacy-requests/${request.id}/complete`, { outcome: 'done' })).status).toBe(409);

    // What is left says nothing of Hoa; the counts and the ticket's handling record stay.
    const { store } = gw.app.gateway;
    const dump = JSON.stringify({
      contacts: await store.db.select().from(store.t.contacts),
      identities: await store.db.select().from(store.t.contactIdentities),
      messages: await store.db.select().from(store.t.messages),
      dossiers: await store.db.select().from(store.t.dossiers),
      tickets: await store.db.select().from(store.t.tickets),
    });
    expect(dump).not.toContain('Nguyễn Thị Hoa');
    expect(dump).not.toContain('912345678');
    expect(dump).toContain('Trần Văn Minh');
    const after = (await call('admin', 'GET', `/api/v1/conversations/${hoa.conversationId}/messages`)).json().items!;
    expect(after.filter((m) => m.direction === 'in' || m.direction === 'out')).toHaveLength(3);
    const tickets = (await call('admin', 'GET', '/api/v1/tickets')).json().items!;
    expect(tickets.find((t) => t.code === hoa.ticketCode)).toMatchObject({ subject: 'Hồ sơ đất chậm' });
    // The shared file stays for Minh.
    expect(await other.files.read(other.key)).toEqual(pdf);
    expect(await verifyAuditChain(store)).toBeNull();

    // Writing again from the same account starts afresh, not as the erased contact.
    const webform = gw.app.gateway.inboxes.find((inbox) => inbox.channel === 'webform')!;
    const [again] = await gw.app.gateway.ingest([{ inboxId: webform.id, externalMessageId: 'again-1', sender: hoa.sender, text: 'Tôi hỏi lại', attachments: [], sentAt: new Date(), raw: {} }]);
    expect(again!.contactId).not.toBe(hoa.contactId);
  });

  it('deletes a file only its erased owner sent, and refuses a refusal without a reason', async () => {
    const own = Buffer.concat([pdf, Buffer.from('% chỉ của Lan\n')]);
    const lan = await citizen('Lê Thị Lan', '0933111222', own);
    const logged = (await call('gs.dulieu', 'POST', '/api/v1/privacy-requests', { kind: 'erasure', requesterName: 'Lê Thị Lan', receivedVia: 'email', contactId: lan.contactId })).json();
    expect(logged).toMatchObject({ overdue: false, contactId: lan.contactId });
    expect(await lan.files.read(lan.key)).toEqual(own);
    // Two hands close it at once: one erases and closes, the other is refused and undoes nothing twice.
    const both = await Promise.all([1, 2].map(() => call('admin', 'POST', `/api/v1/privacy-requests/${logged.id}/complete`, { outcome: 'done' })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(both.find((r) => r.status === 200)!.json()).toMatchObject({ erasure: { files: 1 } });
    expect(await lan.files.read(lan.key)).toBeNull();
    const { store } = gw.app.gateway;
    const erasures = await store.db.select({ subjectId: store.t.auditEvents.subjectId }).from(store.t.auditEvents).where(eq(store.t.auditEvents.action, 'contact.erased'));
    expect(erasures.filter((row) => row.subjectId === String(lan.contactId))).toHaveLength(1);

    const access = (await call('gs.dulieu', 'POST', '/api/v1/privacy-requests', { kind: 'access', requesterName: 'Người lạ', receivedVia: 'letter' })).json();
    expect((await call('gs.dulieu', 'POST', `/api/v1/privacy-requests/${access.id}/complete`, { outcome: 'refused' })).status).toBe(400);
    const refused = await call('gs.dulieu', 'POST', `/api/v1/privacy-requests/${access.id}/complete`, { outcome: 'refused', note: 'Không xác minh được người yêu cầu' });
    expect(refused.json()).toMatchObject({ outcome: 'refused', outcomeNote: 'Không xác minh được người yêu cầu' });
    const listed = (await call('gs.dulieu', 'GET', '/api/v1/privacy-requests')).json().items!;
    // Completed ones come after the open ones.
    expect(listed.findIndex((r) => r.id === access.id)).toBeGreaterThan(listed.findIndex((r) => r.completedAt === null));
  });
});
