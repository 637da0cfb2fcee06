import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, getTableColumns, getTableName, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, verifyAuditChain } from '../../src/core/audit.ts';
import { fileSchema } from '../../src/core/config/file-schema.ts';
import type { OutboundMessage } from '../../src/core/domain/types.ts';
import { ChannelError } from '../../src/core/errors.ts';
import { EventBus } from '../../src/core/events.ts';
import { createInboundHandlers } from '../../src/core/inbound-handlers.ts';
import { inboundReader } from '../../src/core/inbound-message.ts';
import { createInboxState, syncConfiguredInboxes, type InboxRow } from '../../src/core/inboxes.ts';
import { createIngest, type Ingest } from '../../src/core/ingest.ts';
import { createMetrics } from '../../src/core/metrics.ts';
import { createOutbox, WindowClosedError, type OutboundSender } from '../../src/core/outbox.ts';
import * as pgTables from '../../src/core/store/schema.pg.ts';
import * as sqliteTables from '../../src/core/store/schema.sqlite.ts';
import { openStore, type Store } from '../../src/core/store/store.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';

const file = fileSchema.parse({
  deployment: { name: 'Test hotline', shortName: 'Test' },
  conversations: { reopenWithinDays: 7 },
  outbox: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, sendTimeoutMs: 200, leaseMs: 1000, pollIntervalMs: 50, batchSize: 10 },
  inboxes: [
    { key: 'webform', channel: 'webform', name: 'Web form' },
    { key: 'zalo', channel: 'zalo-oa', name: 'Zalo' },
  ],
  teams: [{ key: 'chung', name: 'Tổ tiếp nhận chung' }],
});

const pgReady = await postgresAvailable();

const dialects: Array<{ name: 'sqlite' | 'pg'; open: () => Promise<{ store: Store; url: string; cleanup: () => Promise<void> }> }> = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gw1022-store-'));
      const url = `file:${join(dir, 'test.db')}`;
      const store = await openStore({ url });
      return { store, url, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'pg',
    open: async () => {
      const { url, drop } = freshPgUrl();
      const store = await openStore({ url });
      return { store, url, cleanup: drop };
    },
  },
];

const inbound = (inboxId: number, id: string, user: string, extra: Partial<Parameters<Ingest>[0][number]> = {}) => ({
  inboxId,
  externalMessageId: id,
  sender: { externalUserId: user, displayName: 'Nguyễn Văn A' },
  text: `tin nhắn ${id}`,
  attachments: [],
  sentAt: new Date(),
  raw: { id },
  ...extra,
});

describe.each(dialects)('store on $name', ({ name, open }) => {
  const skip = name === 'pg' && !pgReady;
  let store: Store;
  let storeUrl: string;
  let cleanup: () => Promise<void>;
  let inboxes: InboxRow[];
  let events: EventBus;
  let ingest: Ingest;
  let clock = Date.parse('2026-11-02T08:00:00Z');

  beforeAll(async () => {
    if (skip) return;
    ({ store, url: storeUrl, cleanup } = await open());
    inboxes = await syncConfiguredInboxes(store, file);
    events = new EventBus();
    ingest = createIngest(store, events, { reopenWithinDays: 7, channelOf: () => 'webform', now: () => new Date(clock) });
  });
  afterAll(async () => {
    if (skip) return;
    await store.close();
    await cleanup();
  });

  it.skipIf(skip)('stores a message once however often it is delivered, and emits once', async () => {
    const seen: number[] = [];
    const off = events.on('message.created', (e) => seen.push(e.messageId));
    const first = await ingest([inbound(inboxes[0]!.id, 'm-1', 'tel:84912000001')]);
    const again = await Promise.all([1, 2, 3].map(() => ingest([inbound(inboxes[0]!.id, 'm-1', 'tel:84912000001')])));
    off();
    expect(first[0]!.duplicate).toBe(false);
    for (const [result] of again) {
      expect(result!.duplicate).toBe(true);
      expect(result!.messageId).toBe(first[0]!.messageId);
    }
    const rows = await store.db.select().from(store.t.messages).where(sql`external_id = 'm-1'`);
    expect(rows).toHaveLength(1);
    expect(seen).toEqual([first[0]!.messageId]);
  });

  it.skipIf(skip)('the same platform id in two inboxes is two messages', async () => {
    const a = await ingest([inbound(inboxes[0]!.id, 'same-id', 'tel:84912000002')]);
    const b = await ingest([inbound(inboxes[1]!.id, 'same-id', 'zalo-user-2')]);
    expect(a[0]!.duplicate).toBe(false);
    expect(b[0]!.duplicate).toBe(false);
    expect(a[0]!.messageId).not.toBe(b[0]!.messageId);
  });

  it.skipIf(skip)('threads a contact into one open conversation per inbox', async () => {
    const results = await ingest([
      inbound(inboxes[0]!.id, 't-1', 'tel:84912000003'),
      inbound(inboxes[0]!.id, 't-2', 'tel:84912000003'),
      inbound(inboxes[0]!.id, 't-3', 'tel:84912000004'),
    ]);
    expect(results[0]!.conversationId).toBe(results[1]!.conversationId);
    expect(results[0]!.conversationOpened).toBe(true);
    expect(results[1]!.conversationOpened).toBe(false);
    expect(results[2]!.conversationId).not.toBe(results[0]!.conversationId);
  });

  it.skipIf(skip)('matches a known phone number across channels to one contact', async () => {
    const [web] = await ingest([inbound(inboxes[0]!.id, 'p-1', 'tel:84912000005', { sender: { externalUserId: 'tel:84912000005', phone: '84912000005' } })]);
    const [zalo] = await ingest([inbound(inboxes[1]!.id, 'p-2', 'zalo-99', { sender: { externalUserId: 'zalo-99', phone: '84912000005' } })]);
    expect(zalo!.contactId).toBe(web!.contactId);
    expect(zalo!.conversationId).not.toBe(web!.conversationId);
    const identities = await store.db.select().from(store.t.contactIdentities).where(sql`contact_id = ${web!.contactId}`);
    expect(identities.map((i) => i.externalUserId).sort()).toEqual(['tel:84912000005', 'zalo-99']);
  });

  it.skipIf(skip)('reopens a resolved conversation within the configured days, opens a new one after', async () => {
    const [first] = await ingest([inbound(inboxes[0]!.id, 'r-1', 'tel:84912000006')]);
    const resolve = () =>
      store.tx((db) => db.update(store.t.conversations).set({ status: 'resolved', resolvedAt: new Date(clock) }).where(sql`id = ${first!.conversationId}`));
    await resolve();
    clock += 6 * 86_400_000;
    const [within] = await ingest([inbound(inboxes[0]!.id, 'r-2', 'tel:84912000006')]);
    expect(within!.conversationId).toBe(first!.conversationId);
    expect(within!.conversationOpened).toBe(true);
    await resolve();
    clock += 8 * 86_400_000;
    const [after] = await ingest([inbound(inboxes[0]!.id, 'r-3', 'tel:84912000006')]);
    expect(after!.conversationId).not.toBe(first!.conversationId);
  });

  it.skipIf(skip)('files a reply into the thread it names, reopening it, but never into a stranger\'s', async () => {
    const [first] = await ingest([inbound(inboxes[0]!.id, 'h-1', 'mailto:an@example.vn')]);
    await store.tx((db) => db.update(store.t.conversations).set({ status: 'resolved', resolvedAt: new Date(clock - 30 * 86_400_000) }).where(sql`id = ${first!.conversationId}`));
    const [other] = await ingest([inbound(inboxes[0]!.id, 'h-2', 'mailto:binh@example.vn')]);
    // Long past reopenWithinDays, but the reply names the old message: same conversation.
    const [reply] = await ingest([inbound(inboxes[0]!.id, 'h-3', 'mailto:an@example.vn', { thread: { externalMessageIds: ['unknown', 'h-1'] } })]);
    expect(reply!.conversationId).toBe(first!.conversationId);
    expect(reply!.conversationOpened).toBe(true);
    // A reference to somebody else's message is ignored.
    const [forged] = await ingest([inbound(inboxes[0]!.id, 'h-4', 'mailto:an@example.vn', { thread: { externalMessageIds: ['h-2'], conversationId: other!.conversationId } })]);
    expect(forged!.conversationId).toBe(first!.conversationId);
    const [noise] = await ingest([inbound(inboxes[0]!.id, 'h-5', 'mailto:an@example.vn', { suppressAutoReply: true })]);
    const [row] = await store.db.select().from(store.t.messages).where(sql`id = ${noise!.messageId}`);
    expect(row!.metadata).toEqual({ suppressAutoReply: true });
  });

  it.skipIf(skip)('hands the message listeners what a read of the stored message returns, without reading', async () => {
    const { t } = store;
    const stored = async (messageId: number) => {
      const [row] = await store.db
        .select({ text: t.messages.text, metadata: t.messages.metadata, attachments: t.messages.attachments, conversationId: t.messages.conversationId, contactId: t.conversations.contactId, handler: t.conversations.handler })
        .from(t.messages)
        .innerJoin(t.conversations, eq(t.conversations.id, t.messages.conversationId))
        .where(eq(t.messages.id, messageId));
      return row;
    };
    const read = inboundReader(store);
    // Compared right after each ingest, before the test changes anything.
    const sameAsStored = async (result: Awaited<ReturnType<Ingest>>[number] | undefined) => {
      const fromStore = await stored(result!.messageId);
      expect(fromStore).toBeDefined();
      expect(await read(result!.messageId)).toEqual(fromStore);
    };
    const attachment = { kind: 'image' as const, url: 'https://cdn.example.vn/a.jpg', name: 'a.jpg' };
    const heard: number[] = [];
    const off = events.on('message.created', (e) => heard.push(e.messageId));
    // A new conversation; then an agent takes it and the next message threads into it.
    const [opened] = await ingest([inbound(inboxes[0]!.id, 'v-1', 'tel:84912000010', { metadata: { dossierCode: 'H82-1' }, attachments: [attachment] })]);
    await sameAsStored(opened);
    await store.tx((db) => db.update(t.conversations).set({ handler: 'agent' }).where(eq(t.conversations.id, opened!.conversationId)));
    const [threaded] = await ingest([inbound(inboxes[0]!.id, 'v-2', 'tel:84912000010')]);
    await sameAsStored(threaded);
    expect((await read(threaded!.messageId))!.handler).toBe('agent');
    // Resolved, then reopened by a reply naming it.
    await store.tx((db) => db.update(t.conversations).set({ status: 'resolved', resolvedAt: new Date(clock) }).where(eq(t.conversations.id, opened!.conversationId)));
    const [hinted] = await ingest([inbound(inboxes[0]!.id, 'v-3', 'tel:84912000010', { thread: { externalMessageIds: ['v-1'] }, suppressAutoReply: true })]);
    await sameAsStored(hinted);
    // A minted identity is a new contact even when it carries a number seen before.
    const [minted] = await ingest([inbound(inboxes[0]!.id, 'v-4', 'wfv:minted-1', { sender: { externalUserId: 'wfv:minted-1', minted: true, selfDeclared: true, phone: '84912000010' } })]);
    await sameAsStored(minted);
    off();
    expect(heard).toEqual([opened!.messageId, threaded!.messageId, hinted!.messageId, minted!.messageId]);
    expect(threaded!.conversationId).toBe(opened!.conversationId);
    expect(hinted!.conversationId).toBe(opened!.conversationId);
    expect(minted!.contactId).not.toBe(opened!.contactId);
  });

  it.skipIf(skip)('keeps every concurrent commit when many arrive in the same tick', async () => {
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => ingest([inbound(inboxes[0]!.id, `c-${i}`, `tel:849130${String(i).padStart(5, '0')}`)])),
    );
    expect(new Set(results.map(([r]) => r!.messageId)).size).toBe(300);
    const [row] = await store.rows<{ n: number | string }>(store.db, sql`select count(*) as n from messages where external_id like 'c-%'`);
    expect(Number(row!.n)).toBe(300);
  });

  it.skipIf(skip)('a failing transaction leaves the others of its batch committed', async () => {
    const ok = ingest([inbound(inboxes[0]!.id, 'b-ok', 'tel:84912000007')]);
    const bad = store.tx(async (db) => {
      await db.insert(store.t.teams).values({ key: 'temp-team', name: 'x' });
      throw new Error('boom');
    });
    await expect(bad).rejects.toThrow('boom');
    expect((await ok)[0]!.duplicate).toBe(false);
    const teams = await store.db.select().from(store.t.teams).where(sql`key = 'temp-team'`);
    expect(teams).toHaveLength(0);
  });

  it.skipIf(skip)("takes a live chat's message before the others stored in the same commit, and each conversation's in order", async () => {
    const taken: string[] = [];
    const handlers = createInboundHandlers({
      store,
      events,
      logger: console,
      live: (inboxId) => inboxId === inboxes[1]!.id,
      handlers: [{ name: 'record', take: async (message) => (taken.push(message.text ?? ''), true) }],
    });
    handlers.start();
    try {
      // One commit: four form messages (two from one citizen), then a live one.
      await ingest([
        inbound(inboxes[0]!.id, 'lv-1', 'tel:84912000021'),
        inbound(inboxes[0]!.id, 'lv-2', 'tel:84912000022'),
        inbound(inboxes[0]!.id, 'lv-3', 'tel:84912000021'),
        inbound(inboxes[0]!.id, 'lv-4', 'tel:84912000023'),
        inbound(inboxes[1]!.id, 'lv-5', 'zalo-live-1'),
      ]);
      await handlers.idle();
    } finally {
      await handlers.stop();
    }
    // lv-3 waits for lv-1, its conversation's earlier message, then for a turn of its own.
    expect(taken).toEqual(['tin nhắn lv-5', 'tin nhắn lv-1', 'tin nhắn lv-2', 'tin nhắn lv-4', 'tin nhắn lv-3']);
  });

  it.skipIf(skip)('delivers replies in order per conversation, retrying retryable failures', async () => {
    const sent: Array<{ conversationId: number; text: string | null }> = [];
    const failedOnce = new Set<number>();
    const sender: OutboundSender = {
      channel: 'webform',
      async send(message: OutboundMessage) {
        // Every other reply fails once in a retryable way: order must survive the retries.
        if (message.messageId % 2 === 0 && !failedOnce.has(message.messageId)) {
          failedOnce.add(message.messageId);
          throw new ChannelError('webform', 'network', 'flaky', true);
        }
        sent.push({ conversationId: message.conversationId, text: message.text });
        return { externalId: `out-${message.messageId}` };
      },
    };
    const outbox = createOutbox({ store, events, config: file.outbox, senderFor: () => sender, metrics: createMetrics(), logger: console });
    const convs = await ingest([inbound(inboxes[0]!.id, 'o-1', 'tel:84912000008'), inbound(inboxes[0]!.id, 'o-2', 'tel:84912000009')]);
    for (let i = 0; i < 5; i++) {
      for (const c of convs) await outbox.enqueueReply({ conversationId: c.conversationId, text: `reply ${i}`, senderType: 'agent' });
    }
    await outbox.start();
    try {
      await expect.poll(() => sent.length, { timeout: 10_000 }).toBe(10);
    } finally {
      await outbox.stop();
    }
    expect(failedOnce.size).toBeGreaterThan(0);
    for (const c of convs) {
      expect(sent.filter((s) => s.conversationId === c.conversationId).map((s) => s.text)).toEqual([0, 1, 2, 3, 4].map((i) => `reply ${i}`));
    }
    const statuses = await store.rows<{ status: string }>(store.db, sql`select status from outbox`);
    expect(statuses.every((s) => s.status === 'sent')).toBe(true);
  });

  it.skipIf(skip)('ends a final failure visibly with its reason, and a window refusal queues nothing', async () => {
    const sender: OutboundSender = {
      channel: 'zalo-oa',
      async send() {
        throw new ChannelError('zalo-oa', 'window_closed', 'người dân chưa tương tác trong 48 giờ', false, -213);
      },
      replyWindow: (state) => (state.outboundSinceInbound >= 1 ? { open: false, reason: 'hết lượt' } : { open: true }),
    };
    const outbox = createOutbox({ store, events, config: file.outbox, senderFor: () => sender, metrics: createMetrics(), logger: console });
    const [c] = await ingest([inbound(inboxes[1]!.id, 'f-1', 'zalo-500')]);
    const { messageId } = await outbox.enqueueReply({ conversationId: c!.conversationId, text: 'xin chào', senderType: 'agent' });
    await outbox.drain();
    const [message] = await store.db.select().from(store.t.messages).where(sql`id = ${messageId}`);
    expect(message!.status).toBe('failed');
    expect(message!.error).toBe('người dân chưa tương tác trong 48 giờ');
    // The failed reply does not count against the window; a second one is allowed, a third not.
    await outbox.enqueueReply({ conversationId: c!.conversationId, text: 'lần 2', senderType: 'agent' });
    await expect(outbox.enqueueReply({ conversationId: c!.conversationId, text: 'lần 3', senderType: 'agent' })).rejects.toBeInstanceOf(WindowClosedError);
    const queued = await store.db.select().from(store.t.messages).where(sql`text = 'lần 3'`);
    expect(queued).toHaveLength(0);
  });

  it.skipIf(skip)('lets go of a send its channel never answers at the timeout, even when the channel does not heed the signal', async () => {
    const calls: number[] = [];
    const sender: OutboundSender = { channel: 'webform', send: (m) => (calls.push(m.messageId), new Promise(() => {})) };
    const outbox = createOutbox({ store, events, config: { ...file.outbox, maxAttempts: 2 }, senderFor: () => sender, metrics: createMetrics(), logger: console });
    await outbox.start();
    try {
      const [c] = await ingest([inbound(inboxes[0]!.id, 't-1', 'tel:84912000041')]);
      const { messageId } = await outbox.enqueueReply({ conversationId: c!.conversationId, text: 'không ai trả lời', senderType: 'agent' });
      await expect.poll(async () => (await store.db.select().from(store.t.messages).where(sql`id = ${messageId}`))[0]!.status, { timeout: 5000 }).toBe('failed');
      const [message] = await store.db.select().from(store.t.messages).where(sql`id = ${messageId}`);
      expect(message!.error).toBe(`no answer within ${file.outbox.sendTimeoutMs} ms`);
      // Tried again once (a timeout may be retried), then given up at maxAttempts.
      expect(calls.filter((id) => id === messageId)).toHaveLength(2);
    } finally {
      await outbox.stop();
    }
  });

  it.skipIf(skip)('a send cut short by a crash is sent again after its lease', async () => {
    const received: number[] = [];
    const sender: OutboundSender = { channel: 'webform', send: async (m) => (received.push(m.messageId), {}) };
    const outbox = createOutbox({ store, events, config: file.outbox, senderFor: () => sender, metrics: createMetrics(), logger: console });
    const [c] = await ingest([inbound(inboxes[0]!.id, 'l-1', 'tel:84912000010')]);
    const { messageId } = await outbox.enqueueReply({ conversationId: c!.conversationId, text: 'sau sự cố', senderType: 'agent' });
    // As if a worker claimed it and died: status sending, lease already expired.
    await store.tx((db) =>
      db.update(store.t.outbox).set({ status: 'sending', attempts: 1, lockedUntil: new Date(Date.now() - 1) }).where(sql`message_id = ${messageId}`),
    );
    await outbox.drain();
    expect(received.filter((id) => id === messageId)).toEqual([messageId]);
  });

  /** A sender whose sends wait until the test lets them go, recording what it was given. */
  const gatedSender = () => {
    const started: OutboundMessage[] = [];
    const gates: Array<() => void> = [];
    const sender: OutboundSender = {
      channel: 'webform',
      send: (message) =>
        new Promise((resolve) => {
          started.push(message);
          gates.push(() => resolve({ externalId: `out-${message.messageId}` }));
        }),
    };
    return { sender, started, gates };
  };
  /** A running outbox sending through a gated sender; every gate is opened before it stops. */
  const withGatedOutbox = async (config: Partial<typeof file.outbox>, run: (gated: ReturnType<typeof gatedSender> & { outbox: ReturnType<typeof createOutbox> }) => Promise<void>) => {
    const gated = gatedSender();
    const outbox = createOutbox({ store, events, config: { ...file.outbox, ...config }, senderFor: () => gated.sender, metrics: createMetrics(), logger: console });
    await outbox.start();
    try {
      await run({ ...gated, outbox });
    } finally {
      gated.gates.splice(0).forEach((go) => go());
      await outbox.stop();
    }
  };
  const outboxRow = async (messageId: number) => (await store.db.select().from(store.t.outbox).where(eq(store.t.outbox.messageId, messageId)))[0]!;

  it.skipIf(skip)('a running outbox writes a reply it can send now as claimed and sends it from its own node after the commit; one behind another waits', async () => {
    await withGatedOutbox({ pollIntervalMs: 60_000 }, async ({ outbox, started, gates }) => {
      const [c] = await ingest([inbound(inboxes[0]!.id, 'd-1', 'tel:84912000011')]);
      const first = await outbox.enqueueReply({ conversationId: c!.conversationId, text: 'một', senderType: 'agent' });
      // Claimed in the reply's own transaction, and already at the channel: no worker claimed it.
      expect(await outboxRow(first.messageId)).toMatchObject({ status: 'sending', attempts: 1 });
      await expect.poll(() => started.length).toBe(1);
      expect(started[0]).toMatchObject({ messageId: first.messageId, text: 'một', recipientExternalId: 'tel:84912000011', senderType: 'agent' });
      // The conversation's next reply may not overtake it: queued, not claimed.
      const second = await outbox.enqueueReply({ conversationId: c!.conversationId, text: 'hai', senderType: 'agent' });
      expect(await outboxRow(second.messageId)).toMatchObject({ status: 'pending', attempts: 0 });
      await new Promise((r) => setTimeout(r, 50));
      expect(started).toHaveLength(1);
      gates.shift()!();
      // The first one's settle wakes the worker, which sends the second.
      await expect.poll(() => started.length).toBe(2);
      gates.shift()!();
      await outbox.drain();
      expect(started.map((m) => m.text)).toEqual(['một', 'hai']);
      expect(await outboxRow(first.messageId)).toMatchObject({ status: 'sent', attempts: 1 });
      expect(await outboxRow(second.messageId)).toMatchObject({ status: 'sent', attempts: 1 });
    });
  });

  it.skipIf(skip)('a node runs at most maxInFlight sends: its next replies wait in its own queue, then beyond that for the worker; each is sent once', async () => {
    await withGatedOutbox({ maxInFlight: 1 }, async ({ outbox, started, gates }) => {
      const convs = await ingest(['d-2', 'd-3', 'd-5'].map((id, i) => inbound(inboxes[0]!.id, id, `tel:8491200003${i + 1}`)));
      const replies: Array<{ messageId: number }> = [];
      for (const [i, conv] of convs.entries()) replies.push(await outbox.enqueueReply({ conversationId: conv.conversationId, text: 'abc'[i]!, senderType: 'agent' }));
      await expect.poll(() => started.length).toBe(1);
      // The second is claimed by this node and waits for its one platform call; the third found
      // that queue full and waits for the worker.
      expect(await outboxRow(replies[1]!.messageId)).toMatchObject({ status: 'sending', attempts: 1 });
      expect(await outboxRow(replies[2]!.messageId)).toMatchObject({ status: 'pending', attempts: 0 });
      await new Promise((r) => setTimeout(r, 100));
      expect(started).toHaveLength(1);
      gates.shift()!();
      await expect.poll(() => started.length).toBe(2);
      await new Promise((r) => setTimeout(r, 50));
      expect(started).toHaveLength(2);
      gates.shift()!();
      await expect.poll(() => started.length).toBe(3);
      gates.shift()!();
      await outbox.drain();
      expect(started.map((m) => m.messageId)).toEqual(replies.map((r) => r.messageId));
      for (const reply of replies) expect(await outboxRow(reply.messageId)).toMatchObject({ status: 'sent', attempts: 1 });
    });
  });

  it.skipIf(skip)('a stopping node gives back the replies it claimed but had not begun to send', async () => {
    const { sender, started, gates } = gatedSender();
    const outbox = createOutbox({ store, events, config: { ...file.outbox, maxInFlight: 1 }, senderFor: () => sender, metrics: createMetrics(), logger: console });
    await outbox.start();
    const convs = await ingest([inbound(inboxes[0]!.id, 'd-6', 'tel:84912000016'), inbound(inboxes[0]!.id, 'd-7', 'tel:84912000017')]);
    const first = await outbox.enqueueReply({ conversationId: convs[0]!.conversationId, text: 'đang gửi', senderType: 'agent' });
    const second = await outbox.enqueueReply({ conversationId: convs[1]!.conversationId, text: 'chưa gửi', senderType: 'agent' });
    await expect.poll(() => started.length).toBe(1);
    const stopped = outbox.stop();
    gates.shift()!();
    await stopped;
    expect(started.map((m) => m.messageId)).toEqual([first.messageId]);
    expect(await outboxRow(first.messageId)).toMatchObject({ status: 'sent' });
    expect(await outboxRow(second.messageId)).toMatchObject({ status: 'pending', attempts: 0, lockedUntil: null });
    // The next node to run sends it, once.
    const later: number[] = [];
    const next = createOutbox({ store, events, config: file.outbox, senderFor: () => ({ channel: 'webform', send: async (m) => (later.push(m.messageId), {}) }), metrics: createMetrics(), logger: console });
    await next.drain();
    expect(later).toEqual([second.messageId]);
    expect(await outboxRow(second.messageId)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  // Nodes share PostgreSQL; one process owns a SQLite file (its outbox's start takes back every claimed row).
  if (name === 'pg') {
    it.skipIf(skip)('two nodes replying in one conversation at the same moment never send two of its replies at once, and send them in queue order', async () => {
      // A second node: its own pool on the same database.
      const other = await openStore({ url: storeUrl });
      const live = new Map<number, number>();
      const sent: Array<{ conversationId: number; messageId: number }> = [];
      let overlapped = 0;
      const sender: OutboundSender = {
        channel: 'webform',
        async send(message) {
          const now = (live.get(message.conversationId) ?? 0) + 1;
          live.set(message.conversationId, now);
          if (now > 1) overlapped++;
          await new Promise((r) => setTimeout(r, 2 + Math.random() * 5));
          live.set(message.conversationId, live.get(message.conversationId)! - 1);
          sent.push({ conversationId: message.conversationId, messageId: message.messageId });
          return {};
        },
      };
      const nodes = [store, other].map((s) => createOutbox({ store: s, events: new EventBus(), config: { ...file.outbox, pollIntervalMs: 20 }, senderFor: () => sender, metrics: createMetrics(), logger: console }));
      for (const node of nodes) await node.start();
      try {
        const [c] = await ingest([inbound(inboxes[0]!.id, 'd-4', 'tel:84912000014')]);
        const written: number[] = [];
        for (let round = 0; round < 10; round++) {
          const replies = await Promise.all(nodes.map((node, i) => node.enqueueReply({ conversationId: c!.conversationId, text: `${round}-${i}`, senderType: 'agent' })));
          written.push(...replies.map((r) => r.messageId));
        }
        await expect.poll(() => sent.length, { timeout: 10_000 }).toBe(20);
        for (const node of nodes) await node.drain();
        expect(overlapped).toBe(0);
        expect(sent.map((s) => s.messageId).sort((x, y) => x - y)).toEqual([...written].sort((x, y) => x - y));
        // The queue's order is the outbox rows' order.
        const queueOrder = (await store.db.select({ messageId: store.t.outbox.messageId }).from(store.t.outbox).where(eq(store.t.outbox.conversationId, c!.conversationId)).orderBy(store.t.outbox.id)).map((r) => r.messageId);
        expect(sent.map((s) => s.messageId)).toEqual(queueOrder);
      } finally {
        for (const node of nodes) await node.stop();
        await other.close();
      }
    });
  }

  it.skipIf(skip)('fills what a contact lacks from later messages, and never moves the last inbound time back', async () => {
    const [first] = await ingest([inbound(inboxes[1]!.id, 'pf-1', 'zalo-700', { sender: { externalUserId: 'zalo-700' }, sentAt: new Date(clock) })]);
    await ingest([inbound(inboxes[1]!.id, 'pf-2', 'zalo-700', { sender: { externalUserId: 'zalo-700', displayName: 'Lê Thị Hồng', avatarUrl: 'https://a/1.jpg' }, sentAt: new Date(clock + 1000) })]);
    await ingest([inbound(inboxes[1]!.id, 'pf-3', 'zalo-700', { sender: { externalUserId: 'zalo-700', displayName: 'Tên khác' }, sentAt: new Date(clock - 60_000) })]);
    const [contact] = await store.db.select().from(store.t.contacts).where(sql`id = ${first!.contactId}`);
    expect(contact).toMatchObject({ name: 'Lê Thị Hồng', avatarUrl: 'https://a/1.jpg' });
    const [conversation] = await store.db.select().from(store.t.conversations).where(sql`id = ${first!.conversationId}`);
    expect(conversation!.lastInboundAt).toEqual(new Date(clock + 1000));
  });

  it.skipIf(skip)('merges an early echo of our own send, and takes receipts without going back', async () => {
    const sender: OutboundSender = { channel: 'zalo-oa', send: async (m) => ({ externalId: `echo-race-${m.messageId}` }) };
    const outbox = createOutbox({ store, events, config: file.outbox, senderFor: () => sender, metrics: createMetrics(), logger: console });
    const [c] = await ingest([inbound(inboxes[1]!.id, 'er-1', 'zalo-800')]);
    const { messageId } = await outbox.enqueueReply({ conversationId: c!.conversationId, text: 'trả lời', senderType: 'agent' });
    // The echo reaches (another node's) ingest before the send's answer is recorded.
    await ingest([inbound(inboxes[1]!.id, `echo-race-${messageId}`, 'zalo-800', { echo: true, text: 'trả lời' })]);
    await outbox.drain();
    const rows = await store.db.select().from(store.t.messages).where(sql`external_id = ${`echo-race-${messageId}`}`);
    expect(rows.map((r) => [r.id, r.senderType, r.status])).toEqual([[messageId, 'agent', 'sent']]);
    await outbox.markDelivery(inboxes[1]!.id, [`echo-race-${messageId}`], 'read');
    await outbox.markDelivery(inboxes[1]!.id, [`echo-race-${messageId}`], 'delivered');
    const [after] = await store.db.select().from(store.t.messages).where(sql`id = ${messageId}`);
    expect(after!.status).toBe('read');
  });

  it.skipIf(skip)('marks read by watermark only what was sent to that person up to it', async () => {
    let n = 0;
    const sender: OutboundSender = { channel: 'messenger', send: async () => ({ externalId: `wm-${++n}` }) };
    const outbox = createOutbox({ store, events, config: file.outbox, senderFor: () => sender, metrics: createMetrics(), logger: console });
    const [mine] = await ingest([inbound(inboxes[1]!.id, 'wm-in-1', 'psid-wm-1')]);
    const [theirs] = await ingest([inbound(inboxes[1]!.id, 'wm-in-2', 'psid-wm-2')]);
    const early = await outbox.enqueueReply({ conversationId: mine!.conversationId, text: 'một', senderType: 'agent' });
    const other = await outbox.enqueueReply({ conversationId: theirs!.conversationId, text: 'khác', senderType: 'agent' });
    await outbox.drain();
    const [sent] = await store.db.select({ sentAt: store.t.messages.sentAt }).from(store.t.messages).where(eq(store.t.messages.id, early.messageId));
    const watermark = new Date(sent!.sentAt!.getTime() + 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const late = await outbox.enqueueReply({ conversationId: mine!.conversationId, text: 'hai', senderType: 'agent' });
    await outbox.drain();
    const updated: number[] = [];
    const off = events.on('message.updated', (e) => updated.push(e.messageId));
    await outbox.markDeliveryUpTo(inboxes[1]!.id, 'psid-wm-1', watermark, 'read');
    off();
    const status = async (id: number) => (await store.db.select({ status: store.t.messages.status }).from(store.t.messages).where(eq(store.t.messages.id, id)))[0]!.status;
    expect([await status(early.messageId), await status(late.messageId), await status(other.messageId)]).toEqual(['read', 'sent', 'sent']);
    expect(updated).toEqual([early.messageId]);
  });

  it.skipIf(skip)('keeps the audit log append-only and hash-chained', async () => {
    for (let i = 0; i < 3; i++) await store.tx((db) => appendAudit(store, db, { actor: 'test', action: 'contact.read', subjectId: i }));
    expect(await verifyAuditChain(store)).toBeNull();
    // drizzle wraps the database's refusal; the trigger's words are in the cause.
    const refused = (error: unknown) => /append-only/.test(`${(error as Error).message} ${(error as { cause?: Error }).cause?.message}`);
    await expect(store.tx((db) => db.update(store.t.auditEvents).set({ actor: 'someone else' }))).rejects.toSatisfy(refused);
    await expect(store.tx((db) => db.delete(store.t.auditEvents))).rejects.toSatisfy(refused);
    expect(await verifyAuditChain(store)).toBeNull();
  });

  it.skipIf(skip)('inbox state updates are compare-and-set', async () => {
    const state = createInboxState(store, inboxes[1]!.id);
    await state.set('token', 'a');
    const results = await Promise.all([1, 2, 3, 4].map((n) => state.update('token', (current) => (current === 'a' ? `b${n}` : null))));
    const winners = results.filter((r) => r !== 'a' && r?.startsWith('b'));
    expect(new Set(winners).size).toBe(1);
    expect(await state.get('token')).toBe(winners[0]);
  });
});

describe('the two schemas', () => {
  it('have the same tables and columns', () => {
    const describeSchema = (tables: Record<string, unknown>) =>
      Object.fromEntries(
        Object.values(tables)
          .filter((table): table is Parameters<typeof getTableName>[0] => typeof table === 'object' && table !== null && Symbol.for('drizzle:Name') in table)
          .map((table) => [
            getTableName(table),
            Object.values(getTableColumns(table))
              .map((c) => `${c.name}${c.notNull ? '!' : ''}`)
              .sort(),
          ]),
      );
    const pg = describeSchema(pgTables);
    expect(Object.keys(pg).length).toBeGreaterThan(5);
    expect(describeSchema(sqliteTables)).toEqual(pg);
  });
});
