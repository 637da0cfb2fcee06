import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { chromiumAvailability, launchBrowser, type Browser } from '../../helpers/browser.ts';

const { available } = chromiumAvailability();
const screenshotsDir = process.env.SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results';

/** The launcher's state, read inside the widget's shadow root. */
const widgetState = (page: Page) =>
  page.evaluate(() => {
    const root = document.querySelector('[data-gw1022]')!.shadowRoot!;
    const launcher = root.querySelector<HTMLElement>('button.launcher')!;
    return {
      frames: root.querySelectorAll('iframe').length,
      open: root.querySelector('.panel')!.classList.contains('open'),
      launcherShown: launcher.getBoundingClientRect().width > 0,
      focused: root.activeElement?.className ?? null,
    };
  });

describe.skipIf(!available)('the widget on a phone, by keyboard, for older eyes', () => {
  let gw: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    gw = await startTestApp();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('at 360 px: loads the frame on the first open, never covers Send, shows a long answer from its first line', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 360, height: 740 });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    await page.goto(`${gw.url}/demo`);
    await page.locator('[data-gw1022] button.launcher').waitFor();
    expect(await widgetState(page)).toMatchObject({ frames: 0 });
    expect(requests.filter((path) => path.startsWith('/webchat/'))).toEqual([]);

    await page.locator('[data-gw1022] button.launcher').click();
    const chat = page.frameLocator('[data-gw1022] iframe');
    await chat.locator('#pc-skip').click();
    // The launcher steps aside while the full-screen panel is open.
    expect(await widgetState(page)).toMatchObject({ frames: 1, open: true, launcherShown: false });

    await chat.locator('#text').fill('đăng ký khai sinh cho con cần giấy tờ gì');
    // A real tap on Send (Playwright refuses to click what another element covers).
    await chat.locator('#send').click();
    const answer = chat.locator('.msg.bot').last();
    await answer.waitFor();
    const boxes = await chat.locator('#log').evaluate((log) => {
      const bots = log.querySelectorAll<HTMLElement>('.msg.bot');
      const bubble = bots[bots.length - 1]!;
      const l = log.getBoundingClientRect();
      const b = bubble.getBoundingClientRect();
      return { logTop: l.top, logBottom: l.bottom, top: b.top, bottom: b.bottom };
    });
    expect(boxes.bottom - boxes.top).toBeGreaterThan(boxes.logBottom - boxes.logTop);
    // Its first line is in view, not its last.
    expect(boxes.top).toBeGreaterThanOrEqual(boxes.logTop);
    expect(boxes.top).toBeLessThan(boxes.logTop + 40);
    await expect(chat.locator('#log').getAttribute('role')).resolves.toBe('log');

    // Every control is at least 44 px square.
    for (const selector of ['#bigger', '#contrast', '#close', '#send', '#text', 'label.attach']) {
      const box = (await chat.locator(selector).boundingBox())!;
      expect(Math.round(box.width), selector).toBeGreaterThanOrEqual(44);
      expect(Math.round(box.height), selector).toBeGreaterThanOrEqual(44);
    }
    await page.screenshot({ path: 'test-results/widget-phone-answer.png' });
    // With larger text, for the README (`npm run screenshots`); switched off again after.
    await chat.locator('#bigger').click();
    await page.screenshot({ path: `${screenshotsDir}/widget-phone-larger-text.png` });
    await chat.locator('#bigger').click();
    await page.close();
  });

  it('by keyboard: the attach button is reached, Escape closes and focus comes back to the launcher', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${gw.url}/demo`);
    await page.keyboard.press('Tab');
    // Tab through the portal's links to the launcher, then Enter.
    await page.locator('[data-gw1022] button.launcher').focus();
    await page.keyboard.press('Enter');
    const chat = page.frameLocator('[data-gw1022] iframe');
    await chat.locator('#text').waitFor();
    await expect.poll(() => chat.locator('#text').evaluate((el) => document.activeElement === el)).toBe(true);
    await page.keyboard.press('Shift+Tab');
    await expect(chat.locator('#file').evaluate((el) => document.activeElement === el)).resolves.toBe(true);
    // Its focus is shown around the paper clip.
    await expect(chat.locator('label.attach').evaluate((el) => getComputedStyle(el).outlineStyle)).resolves.toBe('solid');

    await page.keyboard.press('Escape');
    await expect.poll(() => widgetState(page)).toMatchObject({ open: false, focused: 'launcher' });
    await page.keyboard.press('Enter');
    await expect.poll(() => widgetState(page)).toMatchObject({ open: true });
    await page.close();
  });

  it('at 400% zoom the launcher does not cover the panel either', async () => {
    const page = await browser.context.newPage();
    // 1280x800 at 400%: 320x200 CSS pixels.
    await page.setViewportSize({ width: 320, height: 200 });
    await page.goto(`${gw.url}/demo`);
    await page.locator('[data-gw1022] button.launcher').click();
    await page.frameLocator('[data-gw1022] iframe').locator('#close').waitFor();
    expect(await widgetState(page)).toMatchObject({ open: true, launcherShown: false });
    await page.frameLocator('[data-gw1022] iframe').locator('#close').click();
    await expect.poll(() => widgetState(page)).toMatchObject({ open: false, launcherShown: true, focused: 'launcher' });
    await page.close();
  });

  it('follows the browser font size, and remembers larger text and high contrast', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 360, height: 740 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Page.enable');
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 24 } });
    await page.goto(`${gw.url}/webchat/frame?host=${encodeURIComponent(gw.url)}`);
    const size = (selector: string) => page.locator(selector).first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    // Messages, the input and Send grow with the browser's setting (24 px), not fixed at 15.
    expect(await size('.msg')).toBe(24);
    expect(await size('#text')).toBe(24);
    expect(await size('#send')).toBe(24);

    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 16 } });
    await page.reload();
    expect(await size('.msg')).toBe(16);
    await page.locator('#bigger').click();
    await page.locator('#contrast').click();
    expect(await size('.msg')).toBe(20);
    await page.reload();
    await expect(page.locator('#bigger').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(page.locator('#contrast').getAttribute('aria-pressed')).resolves.toBe('true');
    expect(await size('.msg')).toBe(20);
    await expect(page.locator('html').getAttribute('class')).resolves.toContain('contrast');
    await page.screenshot({ path: 'test-results/widget-phone-larger.png' });
    await page.locator('#bigger').click();
    await page.locator('#contrast').click();
    await page.close();
  });
});
