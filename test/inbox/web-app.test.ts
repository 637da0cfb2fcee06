import { mkdirSync } from 'node:fs';
import jsQR from 'jsqr';
import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInbox } from '../../scripts/build-inbox.ts';
import { chromiumAvailability, launchBrowser, type Browser } from '../helpers/browser.ts';
import { testConfigFile } from '../helpers/config.ts';
import { adminRest, startTestApp, type TestApp } from '../helpers/app.ts';

const password = 'Đồng-Tháp-sen-hồng-2026!';
const complaint = 'tôi muốn phản ánh việc tách thửa đất bị chậm trễ';
const greeting = 'Chào anh/chị, tổng đài 1022 Đồng Tháp xin nghe. Anh/chị cần hỗ trợ thủ tục nào ạ?';
const widgetQuestion = 'Cho tôi hỏi thủ tục cấp lại giấy khai sinh?';
// `npm run screenshots` sets SCREENSHOTS=1: the main screens are saved for the docs.
const screenshotsDir = process.env.SCREENSHOTS === '1' ? 'docs/screenshots' : null;
const { available } = chromiumAvailability();

describe.skipIf(!available)("agents' web app at /inbox (chromium)", () => {
  let gw: TestApp;
  let browser: Browser;
  let page: Page;
  let teams: Record<string, number>;
  const agents: Record<string, number> = {};
  const dialogs: string[] = [];
  // Confirmations the test means to answer "yes" to; anything else is refused and recorded.
  let acceptConfirms = false;
  let conversationId = 0;
  let threadToken = '';
  let widgetConversationId = 0;

  const rest = adminRest(() => gw);
  const citizenSays = async (phone: string, text: string, name = 'Nguyễn Thị Công Dân', visitorKey?: string) => {
    const res = await fetch(`${gw.url}/api/public/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, phone, text, ...(visitorKey ? { visitorKey } : {}) }) });
    expect(res.status).toBeLessThan(300);
    const body = (await res.json()) as { conversationId: number; messageId: number; threadToken: string; visitorKey: string };
    await gw.app.gateway.inbound.idle();
    return body;
  };
  const shoot = async (name: string) => {
    if (screenshotsDir) await page.screenshot({ path: `${screenshotsDir}/${name}.png` });
  };
  const auditCount = async (action: string) => {
    const { store } = gw.app.gateway;
    return (await store.db.select({ action: store.t.auditEvents.action }).from(store.t.auditEvents)).filter((r) => r.action === action).length;
  };
  const signIn = async (login: string, secret = password) => {
    await page.goto(`${gw.url}/inbox`);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill(secret);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('tab', { name: 'Của tôi', exact: true }).waitFor();
  };

  beforeAll(async () => {
    await buildInbox();
    if (screenshotsDir) mkdirSync(screenshotsDir, { recursive: true });
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ businessHours: undefined, security: { signInAttemptsPerMinute: 1000 } }) } });
    teams = Object.fromEntries((await rest<Array<{ key: string; id: number }>>('/api/v1/teams')).body.map((t) => [t.key, t.id]));
    for (const [username, displayName, role, team] of [
      ['nv.dat', 'Trần Văn Đất', 'agent', ['dat-dai-xay-dung']],
      ['nv.ho', 'Lê Thị Hộ', 'agent', ['ho-tich-tu-phap']],
      ['giam.sat', 'Phạm Giám Sát', 'supervisor', []],
    ] as const) {
      const res = await rest<{ id: number }>('/api/v1/agents', { method: 'POST', body: { username, displayName, role, teams: team, password } });
      expect(res.status).toBe(201);
      agents[username] = res.body.id;
    }
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void (acceptConfirms && dialog.type() === 'confirm' ? dialog.accept() : dialog.dismiss());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('serves the app with a strict CSP, hashed cacheable assets and client routes', async () => {
    const index = await fetch(`${gw.url}/inbox`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await index.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
    const script = /src="(\/inbox\/assets\/main-[A-Z0-9]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${gw.url}${script}`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // Read to the end: an unread body keeps the server's response (and its shutdown) waiting.
    expect((await asset.text()).length).toBeGreaterThan(1000);
    expect((await fetch(`${gw.url}/inbox/c/12`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await fetch(`${gw.url}/inbox/assets/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${gw.url}/inbox/assets/nope.js`)).status).toBe(404);
  });

  it('(a) signs in through the form and goes online over the live socket', async () => {
    await page.goto(`${gw.url}/inbox`);
    await page.getByRole('heading', { name: 'Đăng nhập hộp thư tổng đài' }).waitFor();
    await shoot('sign-in');
    await page.locator('input[name="login"]').fill('nv.dat');
    await page.locator('input[name="password"]').fill('sai-mat-khau-roi-1234');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Sai tên đăng nhập');
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('tab', { name: 'Của tôi', exact: true }).waitFor();
    expect(await page.locator('.topbar .me').textContent()).toBe('Trần Văn Đất');
    const presenceOf = async (username: string) => (await rest<Array<{ username: string; presence: string }>>('/api/v1/agents')).body.find((a) => a.username === username)?.presence;
    await expect.poll(() => presenceOf('nv.dat')).toBe('online');
    await page.getByLabel('Trạng thái làm việc').selectOption('away');
    await expect.poll(() => presenceOf('nv.dat')).toBe('away');
    await page.getByLabel('Trạng thái làm việc').selectOption('online');
    await expect.poll(() => presenceOf('nv.dat')).toBe('online');
  });

  it('(b) shows a new citizen complaint live in the list, without reloading', async () => {
    await page.getByRole('tab', { name: 'Đội của tôi' }).click();
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const sent = await citizenSays('0912000601', complaint);
    conversationId = sent.conversationId;
    threadToken = sent.threadToken;
    const conversation = await rest<{ teamId: number }>(`/api/v1/conversations/${conversationId}`);
    expect(conversation.body.teamId).toBe(teams['dat-dai-xay-dung']);
    const item = page.locator(`[data-conversation-id="${conversationId}"]`);
    await item.waitFor({ timeout: 10_000 });
    expect(await item.textContent()).toContain('Nguyễn Thị Công Dân');
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await shoot('conversation-list');
  });

  it('(c) replies from the conversation view; the reply is stored and reaches the web-form thread', async () => {
    await page.locator(`[data-conversation-id="${conversationId}"] a`).click();
    await page.locator('.messages').getByText(complaint).waitFor();
    await page.keyboard.press('r');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('reply');
    const reply = 'Chào anh/chị, bộ phận đất đai đã tiếp nhận và sẽ phản hồi trong 3 ngày làm việc.';
    await page.keyboard.type(reply);
    await page.keyboard.press('Control+Enter');
    await page.locator('.message.out').getByText(reply).waitFor();
    await expect
      .poll(async () => (await rest<{ items: Array<{ direction: string; text: string; senderRef: string }> }>(`/api/v1/conversations/${conversationId}/messages`)).body.items.find((m) => m.direction === 'out' && m.text === reply)?.senderRef)
      .toBe(`agent:${agents['nv.dat']}`);
    await expect
      .poll(async () => {
        const res = await fetch(`${gw.url}/api/public/conversations/${conversationId}/messages?token=${encodeURIComponent(threadToken)}`);
        return ((await res.json()) as { messages: Array<{ from: string; text: string }> }).messages.some((m) => m.from === 'hotline' && m.text === reply);
      })
      .toBe(true);

    // An internal note is styled apart and never reaches the citizen.
    await page.getByRole('checkbox', { name: 'Ghi chú nội bộ' }).check();
    await page.locator('textarea[name="reply"]').fill('Ghi chú: cần hỏi thêm phòng TN-MT');
    await page.getByRole('button', { name: 'Lưu ghi chú' }).click();
    await page.locator('.message.note').getByText('Ghi chú: cần hỏi thêm phòng TN-MT').waitFor();
    const thread = await fetch(`${gw.url}/api/public/conversations/${conversationId}/messages?token=${encodeURIComponent(threadToken)}`);
    expect(JSON.stringify(await thread.json())).not.toContain('phòng TN-MT');
    await page.getByRole('checkbox', { name: 'Ghi chú nội bộ' }).uncheck();
    await shoot('conversation');
  });

  it('(e) shows script-like citizen text as literal text and runs nothing', async () => {
    const hostile = `${complaint} <img src=x onerror=alert(1)> và <script>window.__pwned=1</script>`;
    const hostileName = 'Lan <img src=x onerror=alert(2)>';
    const sent = await citizenSays('0912000603', hostile, hostileName);
    // Such text goes to the general intake team; a supervisor moves it to the land team.
    expect((await rest(`/api/v1/conversations/${sent.conversationId}`, { method: 'PATCH', body: { teamId: teams['dat-dai-xay-dung'] } })).status).toBe(200);
    await page.locator(`[data-conversation-id="${sent.conversationId}"] a`).click();
    const shown = page.locator(`[data-message-id="${sent.messageId}"] .text`);
    await shown.waitFor({ timeout: 10_000 });
    expect(await shown.textContent()).toBe(hostile);
    expect(await page.locator('.messages img, .messages script').count()).toBe(0);
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // The name of the contact is citizen text too.
    expect(await page.locator('.conv-head h2').textContent()).toBe(hostileName);
    expect(await page.locator(`[data-conversation-id="${sent.conversationId}"] .name`).textContent()).toBe(hostileName);
    expect(await page.locator('img').count()).toBe(0);
    await page.locator(`[data-conversation-id="${conversationId}"] a`).click();
    await page.locator('.messages').getByText(complaint).first().waitFor();
  });

  it('(d) transfers the conversation to another team from the UI', async () => {
    await page.getByLabel('Chuyển đội').selectOption(String(teams['ho-tich-tu-phap']));
    await expect.poll(async () => (await rest<{ teamId: number; assigneeId: number | null }>(`/api/v1/conversations/${conversationId}`)).body).toMatchObject({ teamId: teams['ho-tich-tu-phap'], assigneeId: null });
    // No longer in nv.dat's teams: the view says so, the list drops it.
    await page.locator('.refusal').waitFor();
    await expect.poll(() => page.locator(`[data-conversation-id="${conversationId}"]`).count()).toBe(0);
  });

  it('(f) refuses a conversation of another team: the UI says so and the API answers 403', async () => {
    const other = await citizenSays('0912000602', complaint);
    const moved = await rest(`/api/v1/conversations/${other.conversationId}`, { method: 'PATCH', body: { teamId: teams['ho-tich-tu-phap'], assigneeId: null } });
    expect(moved.status).toBe(200);
    await page.goto(`${gw.url}/inbox/c/${other.conversationId}`);
    const refusal = page.locator('.refusal');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('thuộc một đội khác');
    const status = await page.evaluate(async (id) => (await fetch(`/api/v1/conversations/${id}`)).status, other.conversationId);
    expect(status).toBe(403);
  });

  it('signs out, and a supervisor sees the queue per team with agents and their load', async () => {
    await page.goto(`${gw.url}/inbox`);
    await page.getByRole('button', { name: 'Đăng xuất', exact: true }).click();
    await page.getByRole('heading', { name: 'Đăng nhập hộp thư tổng đài' }).waitFor();
    expect((await page.evaluate(async () => (await fetch('/api/auth/me')).status))).toBe(401);

    await signIn('giam.sat');
    await page.getByRole('link', { name: 'Hàng chờ' }).click();
    const row = page.locator('.queue tbody tr', { hasText: 'Hộ tịch' });
    await row.first().waitFor();
    await expect.poll(async () => (await row.first().locator('td.num').textContent())?.trim()).toBe('2');
    await page.locator('.queue tbody tr', { hasText: 'Trần Văn Đất' }).waitFor();
    await shoot('supervisor-queue');
    // Tablet width: one pane at a time.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.getByRole('link', { name: 'Hội thoại' }).click();
    await page.getByRole('tab', { name: 'Tất cả' }).click();
    await page.locator(`[data-conversation-id="${conversationId}"] a`).click();
    await page.locator('.messages').getByText(complaint).waitFor();
    expect(await page.locator('.list').isVisible()).toBe(false);
    await shoot('conversation-tablet');
    await page.setViewportSize({ width: 1280, height: 800 });
  });
  it('(g) a supervisor keeps canned answers and labels in the admin screens', async () => {
    await page.getByRole('link', { name: 'Quản trị', exact: true }).click();
    await page.locator('.admin-nav').getByRole('link', { name: 'Câu trả lời mẫu' }).click();
    await page.locator('input[name="shortcut"]').fill('chao');
    await page.locator('input[name="title"]').fill('Lời chào');
    await page.locator('textarea[name="body"]').fill(greeting);
    await page.getByRole('button', { name: 'Lưu' }).click();
    await page.locator('tr[data-shortcut="chao"]').waitFor();
    // The same shortcut twice is refused with a reason.
    await page.locator('input[name="shortcut"]').fill('chao');
    await page.locator('input[name="title"]').fill('Trùng');
    await page.locator('textarea[name="body"]').fill('x');
    await page.getByRole('button', { name: 'Lưu' }).click();
    await expect.poll(() => page.locator('.admin-form [role="alert"]').textContent()).toContain('đã được dùng');
    const stored = await rest<Array<{ shortcut: string; body: string; teamId: number | null }>>('/api/v1/canned-answers');
    expect(stored.body).toEqual([expect.objectContaining({ shortcut: 'chao', body: greeting, teamId: null })]);

    // A form template goes with an answer: picked in the form, uploaded, kept with the answer.
    const template = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    await page.locator('input[name="shortcut"]').fill('mau-don');
    await page.locator('input[name="title"]').fill('Mẫu đơn');
    await page.locator('textarea[name="body"]').fill('Anh/chị điền mẫu đơn gửi kèm.');
    await page.locator('input[name="file"]').setInputFiles({ name: 'mau-don-dang-ky.pdf', mimeType: 'application/pdf', buffer: template });
    await expect.poll(() => page.locator('.canned-file-current').textContent()).toContain('mau-don-dang-ky.pdf');
    await page.getByRole('button', { name: 'Lưu' }).click();
    await page.locator('tr[data-shortcut="mau-don"] a', { hasText: 'Tệp đính kèm' }).waitFor();
    const withFile = (await rest<Array<{ shortcut: string; attachmentId: number | null }>>('/api/v1/canned-answers')).body.find((a) => a.shortcut === 'mau-don');
    expect(withFile?.attachmentId).toEqual(expect.any(Number));
    const download = await gw.app.inject({ url: `/api/v1/attachments/${withFile!.attachmentId}`, headers: gw.auth });
    expect(download.rawPayload.equals(template)).toBe(true);
    await shoot('admin-canned-answers');

    await page.locator('.admin-nav').getByRole('link', { name: 'Nhãn' }).click();
    await page.locator('input[name="label-name"]').fill('Cần gọi lại');
    await page.locator('input[name="label-key"]').fill('can-goi-lai');
    await page.getByRole('button', { name: 'Tạo mới' }).click();
    await page.locator('tr[data-label="can-goi-lai"]').waitFor();
    expect((await rest<Array<{ key: string; name: string }>>('/api/v1/labels')).body).toEqual([expect.objectContaining({ key: 'can-goi-lai', name: 'Cần gọi lại' })]);
  });

  it('(h) the reply typed with a canned answer reaches the citizen in the live chat widget (a second page)', async () => {
    const citizen = await browser.context.newPage();
    try {
      await citizen.goto(`${gw.url}/demo`);
      await citizen.locator('[data-gw1022] button.launcher').click();
      const chat = citizen.frameLocator('[data-gw1022] iframe');
      await chat.locator('#pc-name').fill('Nguyễn Văn An');
      await chat.locator('#pc-phone').fill('0912345678');
      await chat.locator('#prechat button[type=submit]').click();
      await chat.locator('#text').fill(widgetQuestion);
      await chat.locator('#text').press('Enter');
      await chat.locator('.msg.visitor[data-id]').first().waitFor();

      await page.getByRole('link', { name: 'Hội thoại' }).click();
      await page.getByRole('tab', { name: 'Tất cả' }).click();
      const item = page.locator('.conversations li', { hasText: 'Nguyễn Văn An' });
      await item.waitFor({ timeout: 10_000 });
      widgetConversationId = Number(await item.getAttribute('data-conversation-id'));
      await item.locator('a').click();
      await page.locator('.messages').getByText(widgetQuestion).waitFor();

      // "/ch" offers the canned answer; arrows and Enter pick it, the body replaces "/ch".
      const box = page.locator('textarea[name="reply"]');
      await box.click();
      await page.keyboard.type('Dạ /ch');
      const option = page.getByRole('option', { name: /\/chao/ });
      await option.waitFor();
      expect(await option.getAttribute('aria-selected')).toBe('true');
      expect(await box.getAttribute('aria-activedescendant')).toBe(await option.getAttribute('id'));
      await shoot('canned-answer');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      expect(await box.inputValue()).toBe(`Dạ ${greeting}`);
      expect(await page.locator('.canned-picker').count()).toBe(0);
      // Escape closes the picker and leaves the text as typed.
      await page.keyboard.type(' /');
      await option.waitFor();
      await page.keyboard.press('Escape');
      expect(await page.locator('.canned-picker').count()).toBe(0);
      expect(await box.inputValue()).toBe(`Dạ ${greeting} /`);
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Control+Enter');
      await page.locator('.message.out').getByText(`Dạ ${greeting}`).waitFor();
      await chat.locator('.msg.agent', { hasText: greeting }).waitFor({ timeout: 10_000 });
    } finally {
      await citizen.close();
    }
  }, 90_000);

  it('(i) labels a conversation and filters the list by label, accent-free search and date', async () => {
    await page.getByLabel('+ Gắn nhãn').selectOption({ label: 'Cần gọi lại' });
    await page.locator('.conv-head .label-chip', { hasText: 'Cần gọi lại' }).waitFor();
    // The list learns of it from the live feed.
    await page.locator(`[data-conversation-id="${widgetConversationId}"] .label-chip`, { hasText: 'Cần gọi lại' }).waitFor();
    const labels = (await rest<{ labelIds: number[] }>(`/api/v1/conversations/${widgetConversationId}`)).body.labelIds;
    expect(labels).toHaveLength(1);

    const listed = () => page.locator('.conversations li').evaluateAll((nodes) => nodes.map((n) => Number((n as HTMLElement).dataset.conversationId)));
    await page.locator('.filters').getByLabel('Nhãn').selectOption({ label: 'Cần gọi lại' });
    await expect.poll(listed).toEqual([widgetConversationId]);
    await page.locator('.filters').getByLabel('Nhãn').selectOption({ label: 'Tất cả' });

    const search = page.locator('input[name="q"]');
    await search.fill('nguyen thi cong dan');
    await expect.poll(async () => [...new Set(await page.locator('.conversations .name').allTextContents())]).toEqual(['Nguyễn Thị Công Dân']);
    await search.fill('tach thua dat bi cham tre');
    await expect.poll(listed).toContain(conversationId);
    expect(await listed()).not.toContain(widgetConversationId);
    await search.fill('');
    await expect.poll(listed).toContain(widgetConversationId);
    await shoot('conversation-labels');

    const yesterday = new Date(Date.now() - 86_400_000);
    const day = `${yesterday.getFullYear()}-${String(yesterday.getMonth() + 1).padStart(2, '0')}-${String(yesterday.getDate()).padStart(2, '0')}`;
    await page.locator('input[name="to"]').fill(day);
    await expect.poll(listed).toEqual([]);
    await page.getByRole('button', { name: 'Xóa bộ lọc' }).click();
    await expect.poll(listed).toContain(widgetConversationId);
  });

  it('(j) patches the list from live events instead of reloading it', async () => {
    const lists = await auditCount('conversation.list');
    const before = await page.locator('.conversations li').count();
    const first = page.locator('.conversations li').first();
    const a = await citizenSays('0912000604', 'tôi muốn phản ánh đường ngập nước', 'Đỗ Văn Mới');
    await expect.poll(() => first.getAttribute('data-conversation-id')).toBe(String(a.conversationId));
    const b = await citizenSays('0912000605', 'tôi muốn phản ánh đèn đường bị hỏng', 'Đỗ Thị Hai');
    await expect.poll(() => first.getAttribute('data-conversation-id')).toBe(String(b.conversationId));
    // A follow-up on a listed conversation moves it back to the top, by the event alone.
    const followUp = await citizenSays('0912000604', 'nước vẫn chưa rút', 'Đỗ Văn Mới', a.visitorKey);
    expect(followUp.conversationId).toBe(a.conversationId);
    await expect.poll(() => first.getAttribute('data-conversation-id')).toBe(String(a.conversationId));
    expect(await page.locator('.conversations li').count()).toBe(before + 2);
    await gw.app.gateway.inbound.idle();
    await page.waitForTimeout(500);
    expect(await auditCount('conversation.list')).toBe(lists);
  });

  it('(k) the contact panel shows identities and history, edits details and merges a duplicate', async () => {
    // The same citizen also wrote through the web form, under another number.
    const other = await citizenSays('0912345679', 'tôi là An, hỏi thêm về khai sinh', 'Nguyễn Văn An');
    const otherContactId = (await rest<{ contactId: number }>(`/api/v1/conversations/${other.conversationId}`)).body.contactId;
    await page.locator(`[data-conversation-id="${widgetConversationId}"] a`).click();
    await page.getByRole('button', { name: 'Thông tin công dân' }).click();
    const panel = page.locator('#contact-panel');
    await panel.locator('.identities li[data-channel="webchat"]').waitFor();
    expect(await panel.locator('dd[data-field="name"]').textContent()).toBe('Nguyễn Văn An');

    await panel.getByRole('button', { name: 'Sửa thông tin' }).click();
    await panel.locator('input[name="contact-name"]').fill('Nguyễn Văn An (bố bé Na)');
    await panel.locator('input[name="contact-phone"]').fill('123');
    await panel.getByRole('button', { name: 'Lưu' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('không hợp lệ');
    await panel.locator('input[name="contact-phone"]').fill('0912 345 678');
    await panel.locator('input[name="contact-email"]').fill('an.nguyen@example.vn');
    await panel.getByRole('button', { name: 'Lưu' }).click();
    await expect.poll(() => panel.locator('dd[data-field="name"]').textContent()).toBe('Nguyễn Văn An (bố bé Na)');
    await expect.poll(() => page.locator('.conv-head h2').textContent()).toBe('Nguyễn Văn An (bố bé Na)');

    await panel.locator('input[name="merge-q"]').fill('nguyen van an');
    await panel.getByRole('button', { name: 'Tìm' }).click();
    const match = panel.locator(`.merge-results li[data-contact-id="${otherContactId}"]`);
    await match.waitFor();
    acceptConfirms = true;
    try {
      await match.getByRole('button', { name: 'Gộp vào hồ sơ này' }).click();
      await panel.locator(`.history li[data-history-id="${other.conversationId}"]`).waitFor();
    } finally {
      acceptConfirms = false;
    }
    expect((await panel.locator('.identities li').evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset.channel))).sort()).toEqual(['webchat', 'webform']);
    expect((await rest<{ contactId: number }>(`/api/v1/conversations/${other.conversationId}`)).body.contactId).not.toBe(otherContactId);
    // The list shows the kept record's name on the merged-in conversation too.
    await expect.poll(() => page.locator(`[data-conversation-id="${other.conversationId}"] .name`).textContent()).toBe('Nguyễn Văn An (bố bé Na)');
    expect(await auditCount('contact.merged')).toBe(1);
    expect(await auditCount('contact.updated')).toBe(1);
    await shoot('contact-panel');
    await page.getByRole('button', { name: 'Thông tin công dân' }).click();
  });

  it('(l) an admin sets up two-factor sign-in, then manages accounts and sees the setup screens', async () => {
    const created = await rest<{ id: number }>('/api/v1/agents', { method: 'POST', body: { username: 'quan.tri', displayName: 'Quản Trị Viên', role: 'admin', teams: [], password } });
    expect(created.status).toBe(201);
    await page.goto(`${gw.url}/inbox`);
    await page.getByRole('button', { name: 'Đăng xuất', exact: true }).click();
    await page.locator('input[name="login"]').fill('quan.tri');
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('heading', { name: 'Xác thực hai lớp' }).waitFor();
    await page.getByRole('button', { name: 'Thiết lập xác thực hai lớp' }).click();
    const secret = (await page.locator('[data-secret]').textContent())!.replace(/\s/g, '');
    await shoot('mfa-setup');
    // The phone scans the QR code as the screen shows it; the account it adds must be this one.
    const shot = PNG.sync.read(await page.locator('img.mfa-qr').screenshot());
    const scanned = jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height);
    expect(scanned?.data).toBe(await page.locator('code.uri').textContent());
    const totp = OTPAuth.URI.parse(scanned!.data) as OTPAuth.TOTP;
    expect(totp.secret.base32).toBe(secret);
    expect(totp.label).toBe('quan.tri');
    await page.locator('input[name="mfa-code"]').fill('000000' === totp.generate() ? '111111' : '000000');
    await page.getByRole('button', { name: 'Bật xác thực hai lớp' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Mã không đúng');
    await page.locator('input[name="mfa-code"]').fill(totp.generate());
    await page.getByRole('button', { name: 'Bật xác thực hai lớp' }).click();
    await page.getByRole('tab', { name: 'Của tôi', exact: true }).waitFor();

    await page.getByRole('link', { name: 'Quản trị', exact: true }).click();
    await page.locator('.admin-nav').getByRole('link', { name: 'Tài khoản và vai trò' }).click();
    await page.locator('input[name="username"]').fill('nv.moi');
    await page.locator('input[name="displayName"]').fill('Võ Thị Mới');
    await page.locator('input[name="new-agent-password"]').fill('ngắn');
    await page.getByRole('checkbox', { name: 'Hộ tịch' }).check();
    await page.getByRole('button', { name: 'Tạo mới' }).click();
    await expect.poll(() => page.locator('.admin-form [role="alert"]').textContent()).toBe('Mật khẩu chưa đủ mạnh. Mật khẩu phải có ít nhất 12 ký tự.');
    await page.locator('input[name="new-agent-password"]').fill('Mùa-nước-nổi-Tháp-Mười-99');
    await page.getByRole('button', { name: 'Tạo mới' }).click();
    const row = page.locator('tr[data-username="nv.moi"]');
    await row.waitFor();
    const agentOf = async () => (await rest<Array<{ username: string; role: string; teams: string[]; disabled: boolean }>>('/api/v1/agents?includeDisabled=true')).body.find((a) => a.username === 'nv.moi');
    expect(await agentOf()).toMatchObject({ role: 'agent', teams: ['ho-tich-tu-phap'], disabled: false });
    await row.getByRole('button', { name: 'Sửa' }).click();
    await page.locator('select[name="edit-role"]').selectOption('supervisor');
    acceptConfirms = true;
    try {
      await page.getByRole('button', { name: 'Lưu' }).click();
      await expect.poll(async () => (await agentOf())?.role).toBe('supervisor');
      await row.getByRole('button', { name: 'Sửa' }).click();
      await page.getByRole('button', { name: 'Khóa tài khoản' }).click();
      await expect.poll(async () => (await agentOf())?.disabled).toBe(true);
    } finally {
      acceptConfirms = false;
    }
    await expect.poll(() => row.locator('td').nth(5).textContent()).toBe('Đã khóa');
    await shoot('admin-agents');

    await page.locator('.admin-nav').getByRole('link', { name: 'Đội' }).click();
    await expect.poll(() => page.locator('tr[data-team="dat-dai-xay-dung"]').textContent()).toContain('Trần Văn Đất');
    await page.locator('.admin-nav').getByRole('link', { name: 'Kênh kết nối' }).click();
    await expect.poll(() => page.locator('tr[data-inbox="webchat"] .conn').textContent()).toBe('Hoạt động');
    await page.locator('.admin-nav').getByRole('link', { name: 'Giờ làm việc' }).click();
    // This gateway runs without business hours: the screen says people answer at any time.
    await expect.poll(() => page.locator('.admin-body').textContent()).toContain('tổng đài trực mọi lúc');
    expect(await page.locator('tr[data-day="mon"]').count()).toBe(0);
    await page.locator('.admin-nav').getByRole('link', { name: 'Cơ sở tri thức' }).click();
    await page.getByRole('searchbox', { name: 'Lọc theo tên thủ tục, lĩnh vực' }).fill('khai sinh');
    await page.locator('.kb-list button').first().click();
    await page.locator('.kb-entry h4', { hasText: 'Câu trả lời' }).waitFor();
    await page.getByRole('button', { name: 'Tải lại cơ sở tri thức' }).click();
    await expect.poll(() => page.locator('.admin-body .notice').textContent()).toMatch(/^Đã tải lại: \d+ mục\.$/);
    await shoot('admin-knowledge-base');
  }, 90_000);

  it('(m) an agent changes their password from the account screen', async () => {
    await page.goto(`${gw.url}/inbox`);
    await page.getByRole('button', { name: 'Đăng xuất', exact: true }).click();
    await signIn('nv.ho');
    await page.locator('.topbar a.me').click();
    const next = 'Sen-nở-Tháp-Mười-2027!';
    await page.locator('input[name="current-password"]').fill('sai-mat-khau-cu-1234');
    await page.locator('input[name="new-password"]').fill(next);
    await page.locator('input[name="new-password-again"]').fill(next);
    await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('không đúng');
    await page.locator('input[name="current-password"]').fill(password);
    await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
    await page.getByRole('heading', { name: 'Đăng nhập hộp thư tổng đài' }).waitFor();
    expect(await page.getByRole('status').textContent()).toContain('Đã đổi mật khẩu');
    await signIn('nv.ho', next);
    expect(await page.locator('.topbar .me').textContent()).toBe('Lê Thị Hộ');
  });
});
