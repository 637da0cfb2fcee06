// The supervisor switches the report screen to the year: the months side by side with the same
// sections, the year's totals, the year's care figures and the XLSX link. Tickets are moved into
// 2021 in the store (the counting itself is tested in test/desks/tickets/late-by-unit.test.ts);
// calls are logged with their 2021 times through the API.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailability } from '../helpers/browser.ts';
import { inboxPassword, startInboxBrowser, type InboxBrowser } from '../helpers/inbox-browser.ts';

const { available } = chromiumAvailability();

describe.skipIf(!available)('the yearly report on the report screen', () => {
  let ui: InboxBrowser;

  beforeAll(async () => {
    ui = await startInboxBrowser();
    await ui.rest('/api/v1/agents', { username: 'gs.binh', displayName: 'Giám sát Bình', role: 'supervisor', teams: [], password: inboxPassword });
  }, 120_000);
  afterAll(async () => {
    await ui?.close();
  });

  it('shows the months side by side with the year total, and links the XLSX', { timeout: 120_000 }, async () => {
    const { store } = ui.gw.app.gateway;
    // March 2021: two phone tickets; July: one; November: three (one about a procedure). 2022: one, not counted.
    const received = [
      ['2021-03-10T02:00:00Z', false],
      ['2021-03-22T02:00:00Z', false],
      ['2021-07-05T02:00:00Z', false],
      ['2021-11-02T02:00:00Z', true],
      ['2021-11-15T02:00:00Z', false],
      ['2021-11-29T02:00:00Z', false],
      ['2022-01-04T02:00:00Z', false],
    ] as const;
    for (const [at, tthc] of received) {
      const ticket = await ui.rest<{ id: number }>('/api/v1/tickets', { type: 'question', subject: `Hỏi ngày ${at.slice(0, 10)}`, channel: 'phone', tthc });
      await store.db.update(store.t.tickets).set({ receivedAt: new Date(at) }).where(sql`id = ${ticket.id}`);
    }
    for (const [startedAt, direction] of [
      ['2021-11-03T03:00:00Z', 'in'],
      ['2021-11-04T03:00:00Z', 'in'],
      ['2021-03-11T03:00:00Z', 'out'],
    ] as const) {
      await ui.rest('/api/v1/calls', { direction, number: '0912 345 678', startedAt, durationSeconds: 120 });
    }

    const page = await ui.signedIn('gs.binh');
    await page.locator('.topbar nav a', { hasText: 'Báo cáo tháng' }).click();
    await page.getByRole('tab', { name: 'Năm' }).click();
    await page.locator('input[name="year"]').fill('2021');
    await page.locator('.yearly h1', { hasText: '2021' }).waitFor();

    const cells = (row: string) => page.locator(`.yearly-table tr[data-row="${row}"] td`).allTextContents();
    expect(await page.locator('.yearly-table thead th').allTextContents()).toEqual(['', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', 'Cả năm']);
    expect(await cells('tickets')).toEqual(['0', '0', '2', '0', '0', '0', '1', '0', '0', '0', '3', '0', '6']);
    expect(await page.locator('.yearly-table tr[data-row="tickets"] td[data-month="2021-11"]').textContent()).toBe('3');
    expect(await page.locator('.yearly-table tr[data-row="tickets"] td[data-total]').textContent()).toBe('6');
    expect(await page.locator('.yearly-table tr[data-row="tickets-phone"] td[data-total]').textContent()).toBe('6');
    expect(await page.locator('.yearly-table tr[data-row="tthc"] td[data-total]').textContent()).toBe('1');
    expect(await cells('calls')).toEqual(['0', '0', '1', '0', '0', '0', '0', '0', '0', '0', '2', '0', '3']);
    expect(await page.locator('.yearly-table tr[data-row="calls-in"] td[data-total]').textContent()).toBe('2');
    // The year's customer care (none surveyed in this store) is shown as the year's own figure.
    expect(await page.locator('[data-figure="year-care-answered"]').textContent()).toBe('0');

    if (process.env.SCREENSHOTS === '1') await page.screenshot({ path: 'docs/screenshots/yearly-report.png' });

    const xlsx = page.getByRole('link', { name: 'Tải Excel' });
    expect(await xlsx.getAttribute('href')).toBe('/api/v1/reports/yearly?year=2021&format=xlsx');
    const file = await page.request.get(`${ui.gw.url}/api/v1/reports/yearly?year=2021&format=xlsx`);
    expect(file.status()).toBe(200);
    expect(file.headers()['content-type']).toContain('spreadsheetml');

    // Another year reloads: 2022 holds the January ticket only.
    await page.locator('input[name="year"]').fill('2022');
    await page.locator('.yearly h1', { hasText: '2022' }).waitFor();
    expect(await page.locator('.yearly-table tr[data-row="tickets"] td[data-total]').textContent()).toBe('1');
    expect(ui.problems).toEqual([]);
  });
});
