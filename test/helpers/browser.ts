import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * A real browser for the screens citizens and agents use: Debian's chromium driven by
 * playwright-core (no browser download), headless, with a fresh profile that is removed after.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser tests can run. Under CI=true a missing chromium is a failure. */
export function chromiumAvailability(): { available: boolean; reason?: string } {
  if (existsSync(chromiumPath)) return { available: true };
  const reason = `chromium is not installed at ${chromiumPath} (apt-get install -y chromium): the browser tests are skipped`;
  if (process.env.CI === 'true') throw new Error(`CI=true: ${reason.replace('are skipped', 'cannot run')}`);
  console.warn(reason);
  return { available: false, reason };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'gw1022-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
