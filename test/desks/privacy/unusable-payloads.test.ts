// Signed platform bodies the gateway could not use are kept for inspection, not for ever: the
// retention sweep drops them after their period, and a citizen's erasure takes those that name
// them (their account on that inbox, their email, their phone in any of the ways platforms write it),
// and with the recording's address of their calls, so the inbox can no longer play their voice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersonalData } from '../../../src/desks/privacy/personal-data.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { freshPgUrl, postgresAvailable } from '../../helpers/postgres.ts';

const pgReady = await postgresAvailable();
const dialects = [{ name: 'sqlite', pg: false }, ...(pgReady ? [{ name: 'pg', pg: true }] : [])];
const day = 86_400_000;

describe.each(dialects)('unusable payloads on $name', ({ pg: onPg }) => {
  let gw: TestApp;
  let drop: (() => Promise<void>) | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw1022-unusable-'));
    // No retention.unusablePayloadDays: the default period applies.
    const env: Record<string, string> = { CONFIG_FILE: testConfigFile({ router: { enabled: false } }), DATABASE_URL: `file:${join(dir, 'gateway.db')}` };
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

  const keep = (inboxId: number | null, raw: unknown, receivedAt = new Date()) => {
    const { store } = gw.app.gateway;
    return store.tx((db) => db.insert(store.t.unusablePayloads).values({ inboxId, channel: 'webform', reason: 'test', raw, receivedAt }).returning({ id: store.t.unusablePayloads.id }));
  };
  const kept = async () => {
    const { store } = gw.app.gateway;
    return (await store.db.select({ raw: store.t.unusablePayloads.raw }).from(store.t.unusablePayloads).orderBy(store.t.unusablePayloads.id)).map((row) => row.raw);
  };

  it('are dropped by the retention sweep after the default 30 days, and the sweep is audited', async () => {
    const { store, retention } = gw.app.gateway;
    const now = new Date();
    await keep(null, { entry: 'cũ' }, new Date(now.getTime() - 31 * day));
    await keep(null, { entry: 'mới' }, new Date(now.getTime() - 29 * day));
    expect(await retention.sweep(now)).toMatchObject({ unusablePayloads: 1 });
    expect(await kept()).toEqual([{ entry: 'mới' }]);
    expect(await retention.sweep(now)).toMatchObject({ unusablePayloads: 0 });
    expect(await retention.sweep(new Date(now.getTime() + 2 * day))).toMatchObject({ unusablePayloads: 1 });
    expect(await kept()).toEqual([]);
    const sweeps = await store.db.select({ detail: store.t.auditEvents.detail }).from(store.t.auditEvents).where(eq(store.t.auditEvents.action, 'retention.sweep'));
    expect(sweeps.map((s) => (s.detail as { unusablePayloads: number }).unusablePayloads)).toEqual([1, 1]);
  });

  it('that name the citizen go with their erasure, as does the address of her call\u2019s recording; the others stay', async () => {
    const { gateway } = gw.app;
    const { store } = gateway;
    const webform = gateway.inboxes.find((inbox) => inbox.channel === 'webform')!;
    const [stored] = await gateway.ingest([{ inboxId: webform.id, externalMessageId: 'unusable-1', sender: { externalUserId: 'psid_7731', displayName: 'Nguyễn Thị Hoa' }, text: 'Xin chào', attachments: [], sentAt: new Date(), raw: {} }]);
    const contactId = stored!.contactId;
    await store.tx((db) => db.update(store.t.contacts).set({ phone: '84918222333', email: 'hoa_nguyen@example.vn' }).where(eq(store.t.contacts.id, contactId)));
    await keep(webform.id, { sender: { id: 'psid_7731' }, message: { mid: 'm-1' } });
    await keep(webform.id, { from: { phone: '+84918222333' } });
    await keep(null, { contact: { phone: '0918222333', name: 'Hoa' } });
    await keep(null, { reply_to: 'hoa_nguyen@example.vn' });
    // Not hers: another account whose id starts like hers, her account id on another inbox
    // (account ids are per platform page), an email that differs where hers has "_".
    await keep(webform.id, { sender: { id: 'psid_77310' } });
    await keep(null, { sender: { id: 'psid_7731' } });
    await keep(null, { reply_to: 'hoaxnguyen@example.vn' });
    await keep(webform.id, { entry: 'không rõ của ai' });

    // Her call, with a note and a recording on the switchboard.
    const [call] = await store.tx((db) =>
      db
        .insert(store.t.calls)
        .values({ direction: 'in', number: '0918222333', startedAt: new Date(), durationSeconds: 60, contactId, notes: 'Chị Hoa hỏi về hồ sơ', source: 'switchboard:tong-dai', externalId: 'er-1', status: 'ended', recordingUrl: 'https://pbx.example/rec/er-1.wav', createdAt: new Date() })
        .returning({ id: store.t.calls.id }),
    );

    const erased = await createPersonalData(store, { attachmentDirs: [] }).erase(contactId, 'agent:1');
    expect(erased.unusablePayloads).toBe(4);
    expect(erased.calls).toBe(1);
    const [after] = await store.db.select().from(store.t.calls).where(eq(store.t.calls.id, call!.id));
    expect(after).toMatchObject({ number: '', notes: null, contactId: null, recordingUrl: null, durationSeconds: 60 });
    expect(await kept()).toEqual([{ sender: { id: 'psid_77310' } }, { sender: { id: 'psid_7731' } }, { reply_to: 'hoaxnguyen@example.vn' }, { entry: 'không rõ của ai' }]);
    const [audit] = await store.db.select({ detail: store.t.auditEvents.detail }).from(store.t.auditEvents).where(eq(store.t.auditEvents.action, 'contact.erased'));
    expect(audit!.detail).toMatchObject({ contactId, unusablePayloads: 4 });
  });
});
