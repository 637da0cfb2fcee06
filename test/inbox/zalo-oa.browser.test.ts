// The Zalo OA's rules on the agent's screen, in chromium: the reply window says what Zalo's quota
// API reports (3 replies left, until Zalo's date), the contact panel shows that the citizen
// follows the OA, and one click sends the request-info form, which reaches the stand-in.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInbox } from '../../scripts/build-inbox.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { chromiumAvailability, launchBrowser, type Browser } from '../helpers/browser.ts';
import { testConfigFile } from '../helpers/config.ts';
import { conversationOf, fixture, postZaloEvent, quiet, startPlatformStandin, takeOver, waitFor, zaloEnv, zaloIds, type PlatformStandin } from '../helpers/platform-standins.ts';

const password = 'Đồng-Tháp-sen-hồng-2026!';
const { available } = chromiumAvailability();

describe.skipIf(!available)('Zalo OA in the inbox', () => {
  let standin: PlatformStandin;
  let gw: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await buildInbox();
    standin = await startPlatformStandin();
    gw = await startTestApp({
      env: { ...zaloEnv(standin), CONFIG_FILE: testConfigFile({ security: { mfaRequiredForAdmins: false, signInAttemptsPerMinute: 1000 }, router: { enabled: false } }) },
    });
    const created = await gw.app.inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username: 'gs.zalo', displayName: 'Phạm Giám Sát', role: 'supervisor', teams: [], password } });
    expect(created.statusCode, created.body).toBe(201);
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await standin?.close();
  });

  it("shows Zalo's quota and the follow, and sends the request-info form with one click", async () => {
    const userId = '940000000000000001';
    standin.zalo.quotas.set(userId, { quota_type: 'reply', remain: 3, total: 8, expired_date: '2099-12-09 10:30:00' });
    const follow = { app_id: zaloIds.appId, oa_id: zaloIds.oaId, event_name: 'follow', timestamp: String(Date.now() - 1000), source: 'oa_profile', follower: { id: userId } };
    expect((await postZaloEvent(gw, follow)).status).toBe(200);
    const event = fixture<{ timestamp: string; sender: { id: string }; message: { msg_id: string } }>('zalo-oa', 'user_send_text');
    event.sender.id = userId;
    event.message.msg_id = 'b-1';
    event.timestamp = String(Date.now());
    expect((await postZaloEvent(gw, event)).status).toBe(200);
    await quiet(gw);
    const conversationId = (await conversationOf(gw, userId))!;
    await takeOver(gw, conversationId);

    await page.goto(`${gw.url}/inbox`);
    await page.evaluate(() => localStorage.clear());
    await page.locator('input[name="login"]').fill('gs.zalo');
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.locator('.topbar .me').waitFor();
    await page.goto(`${gw.url}/inbox/c/${conversationId}`);

    const window = page.locator('.composer .window');
    await expect.poll(() => window.textContent()).toContain('Zalo báo còn 3/8 lượt trả lời miễn phí');
    expect(await window.textContent()).toContain('09/12/2099');

    await page.getByRole('button', { name: 'Thông tin công dân' }).click();
    await expect.poll(() => page.locator('.identities .following').textContent()).toContain('Đang quan tâm OA');

    await page.getByRole('button', { name: 'Xin thông tin liên hệ' }).click();
    await page.getByRole('button', { name: 'Đã gửi mẫu xin thông tin' }).waitFor();
    const sent = await waitFor(
      () => standin.zalo.sends.find((s) => s.userId === userId && (s.message.attachment as { payload?: { template_type?: string } } | undefined)?.payload?.template_type === 'request_user_info'),
      'the form to reach Zalo',
    );
    expect(sent.message).toMatchObject({ attachment: { payload: { elements: [{ title: expect.stringContaining('Chia sẻ thông tin liên hệ') }] } } });
  });
});
