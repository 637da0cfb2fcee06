import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildInbox } from '../../scripts/build-inbox.ts';
import { startTestApp, type TestApp } from './app.ts';
import { launchBrowser, type Browser } from './browser.ts';
import { testConfigFile } from './config.ts';

/** The password every account these suites create is given. */
export const inboxPassword = 'Đồng-Tháp-sen-hồng-2026!';

export interface InboxBrowser {
  gw: TestApp;
  browser: Browser;
  /** Script errors of the pages `signedIn` opened (and of any the test adds): a test expects none. */
  problems: string[];
  /** The gateway's API with the admin token; a status of 300 or more fails the test. */
  rest<T>(path: string, body?: unknown, method?: string): Promise<T>;
  /** A new 1280 x 900 page of the inbox, signed in as `login`. */
  signedIn(login: string): Promise<Page>;
  close(): Promise<void>;
}

/**
 * The agents' inbox, freshly built, on a gateway of its own (bot off, no business hours, sign-in
 * limits out of the way) and chromium: what the report and ticket screens' browser suites share.
 */
export async function startInboxBrowser(): Promise<InboxBrowser> {
  await buildInbox();
  const gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ businessHours: undefined, router: { enabled: false }, security: { signInAttemptsPerMinute: 1000 } }) } });
  const browser = await launchBrowser();
  const problems: string[] = [];
  return {
    gw,
    browser,
    problems,
    async rest<T>(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> {
      const res = await fetch(`${gw.url}${path}`, { method, headers: { ...gw.auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return (await res.json()) as T;
    },
    async signedIn(login: string): Promise<Page> {
      const page = await browser.context.newPage();
      page.on('pageerror', (error) => problems.push(error.message));
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${gw.url}/inbox`);
      await page.locator('input[name="login"]').fill(login);
      await page.locator('input[name="password"]').fill(inboxPassword);
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
      await page.locator('.topbar .me').waitFor();
      return page;
    },
    async close() {
      await browser.close();
      await gw.close();
    },
  };
}
