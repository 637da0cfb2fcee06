// The supervisor reads late handling by unit on the report screen and clicks a late figure to see
// the ticket codes behind it. The deadlines are moved into the past in the store: the counting
// itself is tested in test/desks/tickets/late-by-unit.test.ts.
import { sql } from 'drizzle-orm';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailability } from '../helpers/browser.ts';
import { inboxPassword, startInboxBrowser, type InboxBrowser } from '../helpers/inbox-browser.ts';

const { available } = chromiumAvailability();
// SCREENSHOTS=1 saves the table for the README.
const shoot = async (part: Locator, name: string) => {
  if (process.env.SCREENSHOTS === '1') await part.screenshot({ path: `docs/screenshots/${name}.png` });
};

describe.skipIf(!available)('late handling by unit on the report screen', () => {
  let ui: InboxBrowser;

  beforeAll(async () => {
    ui = await startInboxBrowser();
    await ui.rest('/api/v1/agents', { username: 'gs.binh', displayName: 'Giám sát Bình', role: 'supervisor', teams: [], password: inboxPassword });
  }, 120_000);
  afterAll(async () => {
    await ui?.close();
  });

  it('shows received, on time, late and overdue per unit, and the codes behind a late figure', { timeout: 120_000 }, async () => {
    const units = Object.fromEntries((await ui.rest<{ items: Array<{ key: string; id: number }> }>('/api/v1/units')).items.map((u) => [u.key, u.id]));
    const open = async (unit: string) => {
      const ticket = await ui.rest<{ id: number; code: string }>('/api/v1/tickets', { type: 'question', subject: 'Hỏi thủ tục', channel: 'phone' });
      await ui.rest(`/api/v1/tickets/${ticket.id}/actions`, { action: 'forward', unitId: units[unit] });
      return ticket;
    };
    const justice = [await open('so-tu-phap'), await open('so-tu-phap'), await open('so-tu-phap')];
    const health = [await open('so-y-te'), await open('so-y-te')];
    const { store } = ui.gw.app.gateway;
    const yesterday = new Date(Date.now() - 86_400_000);
    const setDeadline = (id: number, deadline: Date) => store.db.update(store.t.tickets).set({ deadline }).where(sql`id = ${id}`);
    const answered = (id: number) => store.db.update(store.t.tickets).set({ status: 'answered', answeredAt: new Date() }).where(sql`id = ${id}`);
    // Justice: one answered after its deadline, one still open past it, one answered in time.
    await setDeadline(justice[0]!.id, yesterday);
    await answered(justice[0]!.id);
    await setDeadline(justice[1]!.id, yesterday);
    await answered(justice[2]!.id);
    // Health: one open past its deadline.
    await setDeadline(health[0]!.id, yesterday);

    const page = await ui.signedIn('gs.binh');
    await page.locator('.topbar nav a', { hasText: 'Báo cáo tháng' }).click();
    await page.locator('input[type="month"]').fill(new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 7));
    const table = page.locator('.late-by-unit table');
    await table.waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("th, td"), (cell) => cell.textContent?.trim())));
    expect(rows).toEqual([
      ['Sở Tư pháp', '2', '3', '1', '1', '1'],
      ['Sở Y tế', '2', '2', '0', '0', '1'],
    ]);
    await table.locator('tbody tr', { hasText: 'Sở Tư pháp' }).locator('button').first().click();
    const codes = page.locator('.late-codes');
    await expect.poll(() => codes.locator('li').allTextContents()).toEqual([justice[0]!.code]);
    await expect(codes.locator('h4').textContent()).resolves.toContain('Trả lời trễ hạn');
    await shoot(page.locator('.late-by-unit'), 'late-by-unit');
    expect(ui.problems).toEqual([]);
  });
});
