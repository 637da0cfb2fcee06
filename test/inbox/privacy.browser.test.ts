// Personal-data requests worked on the screen, in chromium: a supervisor logs a citizen's access
// request received weeks ago (overdue, and marked so in words), finds the citizen, downloads what
// the hotline holds about them and closes it; an admin then logs their erasure request, confirms
// it, and sees what the erasure did. The API confirms the citizen's name is gone.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInbox } from '../../scripts/build-inbox.ts';
import { adminRest, startTestApp, type TestApp } from '../helpers/app.ts';
import { chromiumAvailability, launchBrowser, type Browser } from '../helpers/browser.ts';
import { testConfigFile } from '../helpers/config.ts';

const password = 'Đồng-Tháp-sen-hồng-2026!';
const citizen = { name: 'Nguyễn Thị Hoa', phone: '84912345678' };
const citizenText = 'Tôi hỏi về hồ sơ cấp đổi giấy phép lái xe của tôi, nhà ở ấp Tân Hòa';
const timeZone = 'Asia/Ho_Chi_Minh';
const { available } = chromiumAvailability();

/** A day `daysAgo` before today in the browser's (and the hotline's) time zone, as yyyy-mm-dd. */
const isoDay = (daysAgo: number) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() - daysAgo * 86_400_000));
const vnDay = (iso: string) => iso.split('-').reverse().join('/');

describe.skipIf(!available)('personal-data requests in the browser', () => {
  let gw: TestApp;
  let browser: Browser;
  let page: Page;
  let contactId = 0;
  let conversationId = 0;
  const dialogs: string[] = [];

  const rest = adminRest(() => gw);
  const signIn = async (login: string) => {
    await page.goto(`${gw.url}/inbox`);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.locator('.topbar .me').waitFor();
  };
  const signOut = async () => {
    await page.getByRole('button', { name: 'Đăng xuất', exact: true }).click();
    await page.locator('input[name="login"]').waitFor();
  };
  const openScreen = async () => {
    await page.locator('.topbar nav a', { hasText: 'Yêu cầu dữ liệu cá nhân' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/inbox/privacy');
    await page.getByRole('heading', { name: 'Yêu cầu về dữ liệu cá nhân' }).waitFor();
  };
  /** Fills and sends the new-request form; returns the new request's id (the screen opens it). */
  const logRequest = async (input: { kind: string; name: string; contact: string; via: string; receivedOn?: string; details: string }) => {
    await page.getByRole('button', { name: 'Ghi nhận yêu cầu mới' }).click();
    const form = page.locator('.privacy-new form');
    // The received date starts as today.
    await expect(form.locator('input[name="receivedAt"]').inputValue()).resolves.toBe(isoDay(0));
    await form.locator('select[name="kind"]').selectOption({ label: input.kind });
    await form.locator('input[name="requesterName"]').fill(input.name);
    await form.locator('input[name="requesterContact"]').fill(input.contact);
    await form.locator('select[name="receivedVia"]').selectOption({ label: input.via });
    if (input.receivedOn) await form.locator('input[name="receivedAt"]').fill(input.receivedOn);
    await form.locator('textarea[name="details"]').fill(input.details);
    await form.getByRole('button', { name: 'Ghi nhận yêu cầu' }).click();
    await page.getByRole('status').filter({ hasText: 'Đã ghi nhận yêu cầu #' }).waitFor();
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/inbox\/privacy\/\d+$/);
    return Number(new URL(page.url()).pathname.split('/').pop());
  };
  const linkCitizen = async (detail: ReturnType<Page['locator']>, query: string) => {
    await detail.locator('input[name="contact-q"]').fill(query);
    await detail.getByRole('button', { name: 'Tìm', exact: true }).click();
    await detail.locator(`.privacy-matches li[data-contact-id="${contactId}"]`).getByRole('button', { name: 'Liên kết' }).click();
    await detail.getByRole('status').filter({ hasText: `Đã liên kết yêu cầu với công dân ${citizen.name}` }).waitFor();
    await detail.locator('.linked-contact', { hasText: citizen.name }).waitFor();
  };

  beforeAll(async () => {
    await buildInbox();
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ security: { mfaRequiredForAdmins: false, signInAttemptsPerMinute: 1000 }, router: { enabled: false } }) } });
    for (const [username, displayName, role, teams] of [
      ['gs.dulieu', 'Phạm Giám Sát', 'supervisor', []],
      ['qt.dulieu', 'Lê Quản Trị', 'admin', []],
      ['nv.tiepnhan', 'Trần Tiếp Nhận', 'agent', ['tiep-nhan-chung']],
    ] as const) {
      const created = await rest('/api/v1/agents', { method: 'POST', body: { username, displayName, role, teams, password } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    // The citizen wrote in through the web form once.
    const { gateway } = gw.app;
    const webform = gateway.inboxes.find((inbox) => inbox.channel === 'webform')!;
    const sender = { externalUserId: 'webform:v-hoa', displayName: citizen.name, phone: citizen.phone };
    const [ingested] = await gateway.ingest([{ inboxId: webform.id, externalMessageId: 'wf-hoa-1', sender, text: citizenText, attachments: [], sentAt: new Date(), raw: {} }]);
    contactId = ingested!.contactId;
    conversationId = ingested!.conversationId;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('an operator has no way to the screen', { timeout: 60_000 }, async () => {
    await signIn('nv.tiepnhan');
    await page.getByRole('tab', { name: 'Của tôi', exact: true }).waitFor();
    await expect(page.locator('.topbar nav a').allTextContents()).resolves.not.toContain('Yêu cầu dữ liệu cá nhân');
    await page.goto(`${gw.url}/inbox/privacy`);
    await page.locator('.empty', { hasText: 'Chỉ giám sát viên và quản trị viên' }).waitFor();
    await signOut();
  });

  it('a supervisor logs an overdue access request, links the citizen, downloads the export and closes it', { timeout: 120_000 }, async () => {
    await signIn('gs.dulieu');
    await openScreen();
    const receivedOn = isoDay(45);
    const id = await logRequest({ kind: 'Xem, nhận bản sao dữ liệu', name: citizen.name, contact: '0912345678', via: 'Thư, văn bản', receivedOn, details: 'Xin bản sao dữ liệu tổng đài đang giữ về tôi' });

    // The list: dates as dd/mm/yyyy, and the missed deadlines said in words.
    const row = page.locator(`.privacy-table tr[data-request="${id}"]`);
    await row.waitFor();
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe('Xem, nhận bản sao dữ liệu');
    await expect(row.locator('[data-field="receivedAt"]').textContent()).resolves.toBe(vnDay(receivedOn));
    await expect(row.locator('[data-field="dueAt"]').textContent()).resolves.toMatch(/^\d{2}\/\d{2}\/\d{4}⚠ Quá hạn$/);
    await row.locator('[data-field="dueAt"] .overdue-mark').waitFor({ state: 'visible' });
    await expect(row.locator('[data-field="state"]').textContent()).resolves.toContain('Quá hạn');
    const logged = await rest<{ overdue: boolean; acknowledgementOverdue: boolean; receivedVia: string; requesterContact: string }>(`/api/v1/privacy-requests/${id}`);
    expect(logged.body).toMatchObject({ overdue: true, acknowledgementOverdue: true, receivedVia: 'letter', requesterContact: '0912345678' });

    const detail = page.locator(`.privacy-detail[data-request="${id}"]`);
    await detail.getByRole('button', { name: 'Đã báo cho người yêu cầu' }).click();
    await detail.getByRole('status').filter({ hasText: 'Đã báo đã nhận ngày' }).waitFor();
    await linkCitizen(detail, 'nguyen thi hoa');

    // The export: the browser saves the file, and it holds what the citizen wrote.
    const [download] = await Promise.all([page.waitForEvent('download'), detail.getByRole('link', { name: 'Tải dữ liệu cá nhân (tệp JSON)' }).click()]);
    expect(download.suggestedFilename()).toBe(`du-lieu-ca-nhan-${contactId}.json`);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { contact: { name: string; phone: string }; conversations: Array<{ messages: Array<{ text: string }> }> };
    expect(exported.contact).toMatchObject({ name: citizen.name, phone: citizen.phone });
    expect(exported.conversations.flatMap((c) => c.messages.map((m) => m.text))).toContain(citizenText);

    // A refusal needs its reason; closing as done takes it off the overdue list.
    await detail.getByRole('button', { name: 'Từ chối yêu cầu' }).click();
    await detail.getByRole('alert').filter({ hasText: 'Nhập lý do từ chối' }).waitFor();
    await detail.locator('textarea[name="note"]').fill('Đã gửi tệp dữ liệu qua đường bưu điện');
    await detail.getByRole('button', { name: 'Đã giải quyết xong' }).click();
    await detail.getByRole('status').filter({ hasText: 'Đã kết thúc yêu cầu: đã giải quyết.' }).waitFor();
    await expect.poll(() => row.locator('[data-field="state"]').textContent()).toBe('Đã giải quyết');
    await expect(row.locator('.overdue-mark').count()).resolves.toBe(0);
    expect((await rest<{ outcome: string; overdue: boolean; outcomeNote: string }>(`/api/v1/privacy-requests/${id}`)).body).toMatchObject({ outcome: 'done', overdue: false, outcomeNote: 'Đã gửi tệp dữ liệu qua đường bưu điện' });
    await signOut();
  });

  it('an admin logs the erasure, confirms it and sees what it did; the name is gone', { timeout: 120_000 }, async () => {
    await signIn('qt.dulieu');
    await openScreen();
    const id = await logRequest({ kind: 'Xóa dữ liệu', name: citizen.name, contact: 'hoa.nguyen@example.vn', via: 'Email', details: 'Xin xóa toàn bộ dữ liệu của tôi' });
    const row = page.locator(`.privacy-table tr[data-request="${id}"]`);
    await expect.poll(() => row.locator('[data-field="state"]').textContent()).toBe('Đang giải quyết');
    await expect(row.locator('[data-field="receivedAt"]').textContent()).resolves.toBe(vnDay(isoDay(0)));

    const detail = page.locator(`.privacy-detail[data-request="${id}"]`);
    // Not before the citizen is named.
    await expect(detail.getByRole('button', { name: 'Xóa dữ liệu của công dân...' }).isDisabled()).resolves.toBe(true);
    await linkCitizen(detail, '0912345678');

    // Asked first; cancelling erases nothing.
    await detail.getByRole('button', { name: 'Xóa dữ liệu của công dân...' }).click();
    const confirm = detail.getByRole('alertdialog', { name: 'Xác nhận xóa dữ liệu' });
    await expect(confirm.textContent()).resolves.toContain(citizen.name);
    await confirm.getByRole('button', { name: 'Hủy' }).click();
    await expect(confirm.count()).resolves.toBe(0);
    expect((await rest<{ name: string | null }>(`/api/v1/contacts/${contactId}`)).body.name).toBe(citizen.name);

    await detail.getByRole('button', { name: 'Xóa dữ liệu của công dân...' }).click();
    await confirm.getByRole('button', { name: 'Xác nhận xóa vĩnh viễn' }).click();
    await detail.getByRole('status').filter({ hasText: 'Đã kết thúc yêu cầu: đã giải quyết.' }).waitFor();
    const counts = detail.locator('table.erasure-result');
    await counts.waitFor();
    await expect(counts.locator('caption').textContent()).resolves.toBe('Kết quả xóa dữ liệu');
    await expect(counts.locator('tr[data-count="messages"] td').textContent()).resolves.toBe('1');
    await expect(counts.locator('tr[data-count="identities"] td').textContent()).resolves.toBe('1');
    await expect(counts.locator('tr[data-count="ticketsKept"] td').textContent()).resolves.toBe('0');
    await expect(counts.locator('tr[data-count="unusablePayloads"] th').textContent()).resolves.toBe('Dữ liệu nền tảng không dùng được đã xóa');
    await expect(counts.locator('tr[data-count="unusablePayloads"] td').textContent()).resolves.toBe('0');
    await expect.poll(() => row.locator('[data-field="state"]').textContent()).toBe('Đã giải quyết');
    // The contact is read again: it has no name any more, and nothing is left to download.
    await detail.locator('.linked-contact', { hasText: 'Công dân: (không còn tên)' }).waitFor();
    await expect(detail.locator('a.export-link').count()).resolves.toBe(0);

    const contact = await rest<{ name: string | null; phone: string | null; identities: unknown[] }>(`/api/v1/contacts/${contactId}`);
    expect(contact.status).toBe(200);
    expect(contact.body).toMatchObject({ name: null, phone: null, identities: [] });
    // The confirmation is the page's own, not a browser dialog.
    expect(dialogs).toEqual([]);

    // The conversation keeps its place in the history, saying its content is gone.
    await page.goto(`${gw.url}/inbox/c/${conversationId}`);
    await page.locator('.message.in .text.erased', { hasText: 'Nội dung đã xoá' }).waitFor();
    await expect(page.locator('.messages, main').first().textContent()).resolves.not.toContain('ấp Tân Hòa');
  });
});
