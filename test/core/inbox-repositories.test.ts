import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/core/audit.ts';
import { createCannedAnswers } from '../../src/core/canned-answers.ts';
import { fileSchema } from '../../src/core/config/file-schema.ts';
import { createContacts } from '../../src/core/contacts.ts';
import type { InboundSender } from '../../src/core/domain/types.ts';
import { createConversations, type Conversations } from '../../src/core/conversations.ts';
import { EventBus } from '../../src/core/events.ts';
import { syncConfiguredInboxes, type InboxRow } from '../../src/core/inboxes.ts';
import { createIngest, type Ingest } from '../../src/core/ingest.ts';
import { createLabels } from '../../src/core/labels.ts';
import { openStore, type Store } from '../../src/core/store/store.ts';
import { foldText } from '../../src/core/text-fold.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';

const file = fileSchema.parse({
  deployment: { name: 'Test hotline', shortName: 'Test' },
  inboxes: [
    { key: 'webform', channel: 'webform', name: 'Web form' },
    { key: 'zalo', channel: 'zalo-oa', name: 'Zalo' },
  ],
  teams: [
    { key: 'ho-tich', name: 'Hộ tịch' },
    { key: 'dat-dai', name: 'Đất đai' },
  ],
});

const pgReady = await postgresAvailable();

const dialects: Array<{ name: 'sqlite' | 'pg'; open: () => Promise<{ store: Store; cleanup: () => Promise<void> }> }> = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gw1022-repos-'));
      const store = await openStore({ url: `file:${join(dir, 'test.db')}` });
      return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'pg',
    open: async () => {
      const { url, drop } = freshPgUrl();
      return { store: await openStore({ url }), cleanup: drop };
    },
  },
];

describe('foldText', () => {
  it('drops Vietnamese tone and vowel marks, maps đ to d, whatever the Unicode form', () => {
    expect(foldText('Nguyễn Văn A')).toBe('nguyen van a');
    expect(foldText('ĐĂNG KÝ KẾT HÔN')).toBe('dang ky ket hon');
    expect(foldText('Nguyễn'.normalize('NFD'))).toBe('nguyen');
    expect(foldText('Ơn Ưu')).toBe('on uu');
  });
});

describe.each(dialects)('inbox repositories on $name', ({ name, open }) => {
  const skip = name === 'pg' && !pgReady;
  let store: Store;
  let cleanup: () => Promise<void>;
  let inboxes: InboxRow[];
  let ingest: Ingest;
  let conversations: Conversations;
  let events: EventBus;
  let teams: Record<string, number>;
  let n = 0;

  const say = async (inbox: number, user: string, text: string, sender: Partial<InboundSender> = {}, at = new Date()) => {
    const [result] = await ingest([{ inboxId: inboxes[inbox]!.id, externalMessageId: `m-${++n}`, sender: { externalUserId: user, ...sender }, text, attachments: [], sentAt: at, raw: {} }]);
    return result!;
  };
  const ids = async (filter: Omit<Parameters<Conversations['list']>[0], 'limit'>) => (await conversations.list({ limit: 50, ...filter })).items.map((c) => c.id).sort((a, b) => a - b);

  beforeAll(async () => {
    if (skip) return;
    ({ store, cleanup } = await open());
    inboxes = await syncConfiguredInboxes(store, file);
    events = new EventBus();
    ingest = createIngest(store, events, { reopenWithinDays: 7, channelOf: (id) => (id === inboxes[0]!.id ? 'webform' : 'zalo-oa') });
    conversations = createConversations(store, events, 'vi');
    teams = Object.fromEntries((await store.db.select().from(store.t.teams)).map((t) => [t.key, t.id]));
  });
  afterAll(async () => {
    if (skip) return;
    await store.close();
    await cleanup();
  });

  it.skipIf(skip)('searches message text and contact names, phones and emails with accents ignored', async () => {
    const marriage = await say(0, 'tel:84912000001', 'Cho tôi hỏi thủ tục Đăng ký kết hôn với người nước ngoài', { displayName: 'Trần Thị Bích', phone: '84912000001' });
    const named = await say(1, 'zalo-1', 'xin chào', { displayName: 'Nguyễn Văn A' });
    const decomposed = await say(1, 'zalo-2', 'hỏi về đất'.normalize('NFD'), { displayName: 'Lê Văn Bảy'.normalize('NFD'), email: 'Bay.Le@Example.vn' });
    const other = await say(1, 'zalo-3', 'khai sinh cho con', { displayName: 'Phạm C' });

    expect(await ids({ q: 'dang ky ket hon' })).toEqual([marriage.conversationId]);
    expect(await ids({ q: 'ĐĂNG KÝ' })).toEqual([marriage.conversationId]);
    expect(await ids({ q: 'nguyen van a' })).toEqual([named.conversationId]);
    expect(await ids({ q: 'le van bay' })).toEqual([decomposed.conversationId]);
    expect(await ids({ q: 'hoi ve dat' })).toEqual([decomposed.conversationId]);
    expect(await ids({ q: 'bay.le@example' })).toEqual([decomposed.conversationId]);
    // Phones are stored as 84xxxxxxxxx; agents type them the national way, with spaces.
    expect(await ids({ q: '0912 000 001' })).toEqual([marriage.conversationId]);
    expect(await ids({ q: 'khong co dau nao' })).toEqual([]);
    // LIKE's wildcards are plain characters in a query.
    expect(await ids({ q: '%' })).toEqual([]);
    expect(await ids({ q: 'khai sinh' })).toEqual([other.conversationId]);

    // Visibility still holds: only the agent's teams' conversations are searched.
    await conversations.route(marriage.conversationId, { teamId: teams['ho-tich']! }, 'test');
    expect(await ids({ q: 'dang ky', visibleTo: { teamIds: [teams['ho-tich']!], agentId: 999 } })).toEqual([marriage.conversationId]);
    expect(await ids({ q: 'dang ky', visibleTo: { teamIds: [teams['dat-dai']!], agentId: 999 } })).toEqual([]);
  });

  it.skipIf(skip)('filters by label and by the time of the last message', async () => {
    const labels = createLabels(store, events);
    const callBack = await labels.create({ key: 'goi-lai', name: 'Cần gọi lại', color: '#aa3300' }, 'agent:1');
    await expect(labels.create({ key: 'goi-lai', name: 'again', color: null }, 'agent:1')).rejects.toMatchObject({ statusCode: 409 });
    const old = await say(0, 'tel:84912000011', 'tin cũ', {}, new Date('2026-01-05T03:00:00Z'));
    const recent = await say(0, 'tel:84912000012', 'tin mới', {}, new Date('2026-03-10T03:00:00Z'));
    const seen: Array<{ conversationId: number; labelIds: number[] }> = [];
    const off = events.on('conversation.labels', (e) => seen.push(e));
    expect(await labels.set(old.conversationId, callBack.id, true, 'agent:1')).toEqual({ labelIds: [callBack.id], changed: true });
    expect((await labels.set(old.conversationId, callBack.id, true, 'agent:1')).changed).toBe(false);
    off();
    expect(seen).toEqual([{ conversationId: old.conversationId, labelIds: [callBack.id] }]);
    expect(await ids({ labelId: callBack.id })).toEqual([old.conversationId]);
    expect((await conversations.get(old.conversationId)).labelIds).toEqual([callBack.id]);
    // The ingest sets lastMessageAt from the clock of arrival; put these where the test wants them.
    for (const [id, at] of [[old.conversationId, '2026-01-05T03:00:00Z'], [recent.conversationId, '2026-03-10T03:00:00Z']] as const) {
      await store.tx((db) => db.update(store.t.conversations).set({ lastMessageAt: new Date(at) }).where(eq(store.t.conversations.id, id)));
    }
    const within = await ids({ from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-02-01T00:00:00Z') });
    expect(within).toEqual([old.conversationId]);
    expect(await ids({ from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-31T00:00:00Z') })).toEqual([recent.conversationId]);
    await labels.set(old.conversationId, callBack.id, false, 'agent:1');
    expect(await ids({ labelId: callBack.id })).toEqual([]);
    await labels.set(old.conversationId, callBack.id, true, 'agent:1');
    await labels.remove(callBack.id, 'agent:1');
    expect((await conversations.get(old.conversationId)).labelIds).toEqual([]);
  });

  it.skipIf(skip)("lists an agent's canned answers: their teams' and everyone's; shortcuts are unique", async () => {
    const canned = createCannedAnswers(store);
    await canned.create({ shortcut: 'chao', title: 'Chào', body: 'Chào anh/chị', teamId: null }, 'agent:1');
    await canned.create({ shortcut: 'khai-sinh', title: 'Khai sinh', body: 'Hồ sơ gồm...', teamId: teams['ho-tich']! }, 'agent:1');
    await canned.create({ shortcut: 'tach-thua', title: 'Tách thửa', body: 'Liên hệ...', teamId: teams['dat-dai']! }, 'agent:1');
    await expect(canned.create({ shortcut: 'chao', title: 'x', body: 'y', teamId: null }, 'agent:1')).rejects.toMatchObject({ statusCode: 409 });
    await expect(canned.create({ shortcut: 'x', title: 'x', body: 'y', teamId: 9999 }, 'agent:1')).rejects.toMatchObject({ statusCode: 400 });
    expect((await canned.list({ teamIds: [teams['ho-tich']!] })).map((c) => c.shortcut)).toEqual(['chao', 'khai-sinh']);
    expect((await canned.list({ teamIds: [] })).map((c) => c.shortcut)).toEqual(['chao']);
    expect((await canned.list()).map((c) => c.shortcut)).toEqual(['chao', 'khai-sinh', 'tach-thua']);
    const [first] = await canned.list();
    await expect(canned.update(first!.id, { shortcut: 'tach-thua' }, 'agent:1')).rejects.toMatchObject({ statusCode: 409 });
    expect((await canned.update(first!.id, { body: 'Xin chào' }, 'agent:1')).body).toBe('Xin chào');
    await canned.remove(first!.id, 'agent:1');
    await expect(canned.get(first!.id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it.skipIf(skip)('merges two contacts in one transaction: identities, conversations and history move', async () => {
    const contacts = createContacts(store);
    const web = await say(0, 'tel:84912000021', 'hỏi về khai sinh', { displayName: 'Võ Thị Dung', phone: '84912000021', selfDeclared: true });
    const zalo = await say(1, 'zalo-21', 'tôi vừa gửi biểu mẫu', { displayName: 'Dung Võ' });
    expect(zalo.contactId).not.toBe(web.contactId);
    await store.tx((db) => db.update(store.t.contacts).set({ email: 'dung@example.vn' }).where(eq(store.t.contacts.id, zalo.contactId)));

    const result = await contacts.merge(web.contactId, zalo.contactId, 'agent:7');
    expect(result.movedConversations).toEqual([zalo.conversationId]);
    const merged = await contacts.get(web.contactId);
    expect(merged.identities.map((i) => i.channel).sort()).toEqual(['webform', 'zalo-oa']);
    expect(merged.conversations.map((c) => c.id).sort((a, b) => a - b)).toEqual([web.conversationId, zalo.conversationId].sort((a, b) => a - b));
    // What the kept record lacked comes from the merged one; what it had stays.
    expect(merged).toMatchObject({ name: 'Võ Thị Dung', phone: '84912000021', email: 'dung@example.vn' });
    await expect(contacts.get(zalo.contactId)).rejects.toMatchObject({ statusCode: 404 });
    expect((await conversations.get(zalo.conversationId)).contactId).toBe(web.contactId);
    // The citizen writing again on Zalo lands on the kept contact.
    expect((await say(1, 'zalo-21', 'còn tôi đây')).contactId).toBe(web.contactId);
    await expect(contacts.merge(web.contactId, web.contactId, 'agent:7')).rejects.toMatchObject({ statusCode: 400 });

    await contacts.update(web.contactId, { name: 'Võ Thị Dung (mẹ)' }, 'agent:7');
    expect((await contacts.search('vo thi dung', null)).map((c) => ({ id: c.id, channels: c.channels }))).toEqual([{ id: web.contactId, channels: ['webform', 'zalo-oa'] }]);
    expect(await contacts.search('vo thi dung', { teamIds: [], agentId: 999 })).toEqual([]);
    const audit = await store.db.select().from(store.t.auditEvents).where(sql`subject_type = 'contact'`);
    expect(audit.map((a) => a.action)).toEqual(['contact.merged', 'contact.updated']);
    expect(audit[1]!.detail).toEqual({ fields: ['name'] });
    expect(await verifyAuditChain(store)).toBeNull();
  });
});
