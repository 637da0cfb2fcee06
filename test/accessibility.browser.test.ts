import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInbox } from '../scripts/build-inbox.ts';
import { adminRest, startTestApp, type TestApp } from './helpers/app.ts';
import { chromiumAvailability, launchBrowser, type Browser } from './helpers/browser.ts';
import { testConfigFile } from './helpers/config.ts';

const { available } = chromiumAvailability();
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const password = 'Đồng-Tháp-sen-hồng-2026!';
// A 1x1 PNG: the widget's attachment.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

interface Finding {
  screen: string;
  frame: string;
  id: string;
  impact: string | null;
  nodes: string[];
}

/**
 * Runs axe-core (WCAG 2.1 A and AA) inside the page and inside each of its frames, each on its
 * own document (a cross-origin frame is not reachable from its parent), and returns the critical
 * and serious findings. Evaluated through the browser's devtools protocol, so the pages' CSP
 * (no inline script) does not stop it.
 */
const audited = new Set<string>();
async function audit(page: Page, screen: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const frame of page.frames()) {
    if (frame.url() === 'about:blank' || !frame.url()) continue;
    audited.add(`${screen}: ${new URL(frame.url()).pathname}`);
    await frame.evaluate(`${axeSource};0`);
    const violations = await frame.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
      const result = await axe.run(document, { iframes: false, runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
    });
    for (const v of violations) if (v.impact === 'critical' || v.impact === 'serious') findings.push({ screen, frame: new URL(frame.url()).pathname, ...v });
  }
  return findings;
}

describe.skipIf(!available)('axe-core on the citizens’ and agents’ screens (0 critical, 0 serious)', () => {
  let gw: TestApp;
  let browser: Browser;
  const findings: Finding[] = [];
  const rest = adminRest(() => gw);

  beforeAll(async () => {
    await buildInbox();
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ businessHours: undefined, security: { signInAttemptsPerMinute: 1000 } }) } });
    const res = await rest('/api/v1/agents', { method: 'POST', body: { username: 'giam.sat', displayName: 'Phạm Giám Sát', role: 'supervisor', teams: ['ho-tich-tu-phap'], password } });
    expect(res.status).toBe(201);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  for (const viewport of [
    { width: 360, height: 740 },
    { width: 768, height: 1024 },
  ]) {
    it(`the web form and the widget at ${viewport.width}x${viewport.height}`, async () => {
      const page = await browser.context.newPage();
      await page.setViewportSize(viewport);
      await page.goto(`${gw.url}/gui-cau-hoi`);
      // Each size starts as a new citizen (no thread, no chat, no switches remembered).
      await page.evaluate(() => localStorage.clear());
      await page.reload();
      findings.push(...(await audit(page, 'form')));
      await page.locator('#webform button[type=submit]').click();
      findings.push(...(await audit(page, 'form with errors')));
      await page.locator('#name').fill('Võ Thị Hai');
      await page.locator('#phone').fill('0912345600');
      await page.locator('#text').fill('đăng ký khai sinh cần gì');
      await page.locator('#webform button[type=submit]').click();
      await page.locator('#messages .msg.hotline').first().waitFor({ timeout: 15_000 });
      findings.push(...(await audit(page, 'form thread')));
      await page.locator('#bigger').click();
      await page.locator('#contrast').click();
      findings.push(...(await audit(page, 'form, larger text and high contrast')));
      await page.locator('#bigger').click();
      await page.locator('#contrast').click();

      await page.goto(`${gw.url}/demo`);
      await page.locator('[data-gw1022] button.launcher').waitFor();
      findings.push(...(await audit(page, 'widget closed')));
      await page.locator('[data-gw1022] button.launcher').click();
      const chat = page.frameLocator('[data-gw1022] iframe');
      await chat.locator('#pc-name').waitFor();
      findings.push(...(await audit(page, 'widget pre-chat')));
      await chat.locator('#pc-skip').click();
      await chat.locator('#text').fill('đăng ký khai sinh cho con cần gì');
      await chat.locator('#send').click();
      await chat.locator('.msg.bot').first().waitFor();
      findings.push(...(await audit(page, 'widget chatting')));
      await chat.locator('#file').setInputFiles({ name: 'giay-chung-sinh.png', mimeType: 'image/png', buffer: png });
      await chat.locator('.msg.visitor img').first().waitFor();
      findings.push(...(await audit(page, 'widget with an attachment')));
      await page.close();
    }, 90_000);
  }

  it('the inbox: sign-in, list, conversation, tickets, report and care', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${gw.url}/inbox`);
    await page.locator('input[name="login"]').waitFor();
    findings.push(...(await audit(page, 'inbox sign-in')));
    await page.locator('input[name="login"]').fill('giam.sat');
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('tab', { name: 'Của tôi', exact: true }).waitFor();
    await page.getByRole('tab', { name: 'Tất cả', exact: true }).click().catch(() => undefined);
    await page.locator('.conversation-list li, .conversation-list a, [role=tablist]').first().waitFor();
    findings.push(...(await audit(page, 'inbox list')));
    const list = (await rest<{ items: Array<{ id: number }> }>('/api/v1/conversations')).body.items;
    await page.goto(`${gw.url}/inbox/c/${list[0]!.id}`);
    await page.locator('textarea[name=reply]').waitFor();
    findings.push(...(await audit(page, 'inbox conversation')));
    // The printed ticket's sheet is a screen too (read before printing).
    const ticket = (await rest<{ id: number }>('/api/v1/tickets', { method: 'POST', body: { type: 'question', subject: 'Hỏi thủ tục khai sinh', channel: 'phone' } })).body;
    for (const [path, screen] of [
      ['/inbox/tickets', 'inbox tickets'],
      [`/inbox/tickets/${ticket.id}/print`, 'inbox printed ticket'],
      ['/inbox/report', 'inbox report'],
      ['/inbox/care', 'inbox care'],
    ] as const) {
      await page.goto(`${gw.url}${path}`);
      await page.locator('main, #root > *').first().waitFor();
      await page.waitForLoadState('networkidle');
      findings.push(...(await audit(page, screen)));
    }
    await page.close();
  }, 90_000);

  it('found nothing critical or serious', () => {
    // The chat frame was checked on its own, not only the page around it.
    expect([...audited]).toEqual(expect.arrayContaining(['widget closed: /demo', 'widget chatting: /demo', 'widget chatting: /webchat/frame', 'widget with an attachment: /webchat/frame', 'inbox care: /inbox/care']));
    expect(findings).toEqual([]);
  });
});
