import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { chromiumAvailability, launchBrowser, type Browser } from '../helpers/browser.ts';
import { testConfigFile } from '../helpers/config.ts';

const { available } = chromiumAvailability();
// `npm run screenshots` (SCREENSHOTS=1) saves the README's pictures.
const screenshotsDir = process.env.SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results';

describe.skipIf(!available)('the web form on a phone: errors on their fields, the thread, writing back', () => {
  let gw: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    // Office open at all hours, so the handoff is not told to wait.
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ businessHours: undefined }) } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('marks each missing field, ties its message to it and puts focus on the first', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${gw.url}/gui-cau-hoi`);
    await page.locator('#webform button[type=submit]').click();
    const field = (id: string) =>
      page.locator(`#${id}`).evaluate((input) => ({
        invalid: input.getAttribute('aria-invalid'),
        described: (input.getAttribute('aria-describedby') ?? '')
          .split(' ')
          .map((ref) => document.getElementById(ref)?.textContent ?? '')
          .join(' ')
          .trim(),
        focused: document.activeElement === input,
      }));
    expect(await field('name')).toMatchObject({ invalid: 'true', described: expect.stringContaining('họ và tên'), focused: true });
    expect(await field('phone')).toMatchObject({ invalid: 'true', described: expect.stringContaining('số điện thoại hoặc email') });
    expect(await field('text')).toMatchObject({ invalid: 'true', described: expect.stringContaining('nội dung') });
    expect(await field('dossierCode')).toMatchObject({ invalid: null });

    // A phone the server refuses comes back on the phone field.
    await page.locator('#name').fill('Trần Thị Bé');
    await page.locator('#phone').fill('12345');
    await page.locator('#text').fill('Hỏi thủ tục');
    await page.locator('#webform button[type=submit]').click();
    await expect.poll(() => field('phone')).toMatchObject({ invalid: 'true', described: expect.stringContaining('không hợp lệ'), focused: true });
    expect(await field('name')).toMatchObject({ invalid: null });
    await page.close();
  });

  it('asks about khai sinh, reads the answer, and asks for a person from the thread page: the civil-registration team gets it', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${gw.url}/gui-cau-hoi`);
    await page.locator('#bigger').click();
    await page.locator('#name').fill('Nguyễn Văn Tám');
    await page.locator('#phone').fill('0912 345 678');
    await page.locator('#text').fill('đăng ký khai sinh cho con cần giấy tờ gì');
    await page.locator('#webform button[type=submit]').click();
    await page.locator('#messages .msg.hotline').first().waitFor({ timeout: 15_000 });
    await expect(page.locator('#messages').getAttribute('role')).resolves.toBe('log');

    await page.locator('#reply-text').fill('Con tôi sinh ở nhà thì sao?');
    await page.locator('#reply button[type=submit]').click();
    await page.locator('#messages .msg.citizen', { hasText: 'Con tôi sinh ở nhà thì sao?' }).waitFor();
    await page.locator('#ask-person').click();
    await page.locator('#messages .msg.citizen', { hasText: 'Gặp nhân viên' }).waitFor();
    await gw.app.gateway.inbound.idle();

    const list = (await gw.app.inject({ url: '/api/v1/conversations?channel=webform', headers: gw.auth })).json().items as Array<{ id: number }>;
    expect(list).toHaveLength(1);
    const conversation = (await gw.app.inject({ url: `/api/v1/conversations/${list[0]!.id}`, headers: gw.auth })).json();
    const teams = (await gw.app.inject({ url: '/api/v1/teams', headers: gw.auth })).json() as Array<{ id: number; key: string }>;
    expect(conversation).toMatchObject({ handler: 'human', teamId: teams.find((team) => team.key === 'ho-tich-tu-phap')!.id });
    const texts = (await gw.app.inject({ url: `/api/v1/conversations/${list[0]!.id}/messages`, headers: gw.auth })).json().items.map((m: { text: string | null }) => m.text);
    expect(texts).toEqual(expect.arrayContaining(['đăng ký khai sinh cho con cần giấy tờ gì', 'Con tôi sinh ở nhà thì sao?', 'Gặp nhân viên']));

    // Larger text is remembered on the next visit.
    await page.reload();
    await expect(page.locator('#bigger').getAttribute('aria-pressed')).resolves.toBe('true');
    expect(await page.locator('#name').evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBe(20);
    await page.locator('#messages .msg.hotline').first().waitFor();
    await page.locator('#thread-title').scrollIntoViewIfNeeded();
    await page.evaluate(() => document.getElementById('thread-title')!.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: `${screenshotsDir}/webform-phone-larger-text.png` });
    await page.close();
  });

  it('refuses a reply without the thread token', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/public/conversations/1/messages',
      payload: { token: 'forged', visitorKey: 'abcdefghijklmnop1234', text: 'gặp nhân viên' },
    });
    expect(res.statusCode).toBe(404);
  });
});
