// An admin changes a knowledge-base answer in the inbox and the bot answers from it at once, and
// keeps the organisation tickets are forwarded to.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInbox } from '../../scripts/build-inbox.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { chromiumAvailability, launchBrowser, type Browser } from '../helpers/browser.ts';
import { testConfigFile } from '../helpers/config.ts';

const password = 'Đồng-Tháp-sen-hồng-2026!';
const { available } = chromiumAvailability();

describe.skipIf(!available)('admin screens in the browser: knowledge base and units', () => {
  let gw: TestApp;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    await buildInbox();
    dir = mkdtempSync(join(tmpdir(), 'gw1022-kb-'));
    cpSync(new URL('../../config/knowledge-base', import.meta.url), dir, { recursive: true });
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ router: { knowledgeBase: dir }, security: { mfaRequiredForAdmins: false, signInAttemptsPerMinute: 1000 } }) } });
    const created = await fetch(`${gw.url}/api/v1/agents`, { method: 'POST', headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'qt.kb', displayName: 'Quản trị', role: 'admin', teams: [], password }) });
    expect(created.status).toBe(201);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves an edited answer and marks the entry checked', { timeout: 120_000 }, async () => {
    const page = await browser.context.newPage();
    await page.goto(`${gw.url}/inbox/admin/knowledge`);
    await page.locator('input[name="login"]').fill('qt.kb');
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.locator('.kb-list').waitFor();
    await page.locator('.kb-bar input[type="search"]').fill('khai tu');
    await page.locator('.kb-list button', { hasText: 'Đăng ký khai tử' }).click();
    await page.getByRole('button', { name: 'Sửa mục này' }).click();
    const form = page.locator('form.kb-form');
    await form.locator('textarea[name="answer"]').fill('Khai tử: nộp tại UBND xã nơi cư trú cuối cùng, trong 15 ngày (nội dung đã kiểm tra).');
    await form.locator('input[name="reviewed"]').check();
    await form.getByRole('button', { name: 'Lưu' }).click();
    await page.getByRole('status').filter({ hasText: 'Đã lưu' }).waitFor();
    await page.locator('.kb-entry .meta', { hasText: 'đã duyệt' }).waitFor();
    const bot = (await (await fetch(`${gw.url}/api/v1/router/answer`, { method: 'POST', headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'khai tử ở đâu' }) })).json()) as { entryId: string; answer: string };
    expect(bot.entryId).toBe('khai-tu');
    expect(bot.answer).toContain('nội dung đã kiểm tra');
  });

  it('adds a unit and gives it an officer', { timeout: 120_000 }, async () => {
    const officer = (await (await fetch(`${gw.url}/api/v1/agents`, { method: 'POST', headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bqlkcn.canbo', displayName: 'Cán bộ Ban KCN', role: 'unit_officer', teams: [], password }) })).json()) as { id: number };
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${gw.url}/inbox/admin/units`);
    await page.locator('.units-admin').waitFor();
    await page.locator('input[name="unit-name"]').fill('Ban Quản lý các khu công nghiệp');
    await page.locator('input[name="unit-key"]').fill('ban-quan-ly-kcn');
    await page.getByRole('button', { name: 'Thêm đơn vị' }).click();
    await page.locator('.units-list button', { hasText: 'Ban Quản lý các khu công nghiệp' }).click();
    await page.locator('select[name="add-member"]').selectOption({ label: 'Cán bộ Ban KCN' });
    await page.locator('.unit-detail li', { hasText: 'Cán bộ Ban KCN' }).waitFor();
    const units = (await (await fetch(`${gw.url}/api/v1/units`, { headers: gw.auth })).json()) as { items: Array<{ id: number; key: string }> };
    const unit = units.items.find((u) => u.key === 'ban-quan-ly-kcn')!;
    const mine = (await (await fetch(`${gw.url}/api/v1/agents/${officer.id}/units`, { headers: gw.auth })).json()) as { unitIds: number[] };
    expect(mine.unitIds).toEqual([unit.id]);
  });
});
