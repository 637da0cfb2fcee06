// A unit officer prints the ticket they answered, in chromium: the "In phiếu" button opens the
// sheet in a tab of its own, with the national motto, the code, the question, each level and who
// signed, the citizen as masked as on the officer's screen; printed, it is one A4 page.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailability } from '../helpers/browser.ts';
import { inboxPassword, startInboxBrowser, type InboxBrowser } from '../helpers/inbox-browser.ts';

const question = 'Làm giấy khai sinh cho con ở phường Cao Lãnh cần những giấy tờ gì ạ?';
const answer = 'Hồ sơ gồm tờ khai đăng ký khai sinh và giấy chứng sinh; nộp tại Trung tâm phục vụ hành chính công phường.';
const { available } = chromiumAvailability();
const pdfinfo = spawnSync('pdfinfo', ['-v']).error === undefined;
if (!pdfinfo && process.env.CI === 'true') throw new Error('pdfinfo (Debian package poppler-utils) must be installed under CI');

describe.skipIf(!available)('the printed ticket in the browser', () => {
  let ui: InboxBrowser;

  beforeAll(async () => {
    ui = await startInboxBrowser();
  }, 120_000);
  afterAll(async () => {
    await ui?.close();
  });

  it('opens one A4 sheet from the ticket, with what the unit may read', { timeout: 120_000 }, async () => {
    const units = Object.fromEntries((await ui.rest<{ items: Array<{ key: string; id: number }> }>('/api/v1/units')).items.map((u) => [u.key, u.id]));
    const officer = await ui.rest<{ id: number }>('/api/v1/agents', { username: 'sotp.tu', displayName: 'Trần Văn Tư', role: 'unit_officer', teams: [], password: inboxPassword });
    await ui.rest(`/api/v1/agents/${officer.id}/units`, { unitIds: [units['so-tu-phap']] }, 'PUT');
    const sent = await ui.rest<{ conversationId: number }>('/api/public/messages', { name: 'Nguyễn Thị Hoa', phone: '0912 345 678', email: 'hoa.nguyen@example.vn', text: question });
    const ticket = await ui.rest<{ id: number; code: string }>('/api/v1/tickets', { type: 'question', subject: 'Khai sinh cho con', body: question, tthc: true, field: 'Hộ tịch', conversationId: sent.conversationId });
    await ui.rest(`/api/v1/tickets/${ticket.id}/actions`, { action: 'forward', unitId: units['so-tu-phap'] });

    const page = await ui.signedIn('sotp.tu');
    await page.goto(`${ui.gw.url}/inbox/tickets/${ticket.id}`);
    await page.locator('.ticket-detail button[data-action="accept"]').click();
    await page.locator('.ticket-detail button[data-action="answer"]').click();
    await page.locator('.ticket-detail textarea[name="comment"]').fill(answer);
    await page.locator('.ticket-detail .action-form button.primary').click();
    await page.locator('.ticket-detail .answer').waitFor();
    const maskedPhone = (await page.locator('.ticket-detail .reporter').textContent())!.split(' · ')[1]!;
    expect(maskedPhone).not.toContain('345');

    const [sheetPage] = await Promise.all([ui.browser.context.waitForEvent('page'), page.getByRole('link', { name: 'In phiếu' }).click()]);
    sheetPage.on('pageerror', (error) => ui.problems.push(error.message));
    await sheetPage.setViewportSize({ width: 900, height: 1180 });
    const sheet = sheetPage.locator('.ticket-sheet');
    await sheet.waitFor();
    expect(new URL(sheetPage.url()).pathname).toBe(`/inbox/tickets/${ticket.id}/print`);
    const text = (await sheet.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(text).toContain('Độc lập - Tự do - Hạnh phúc');
    expect(text).toContain(`Mã phiếu: ${ticket.code}`);
    expect(text).toContain(question);
    expect(text).toContain(answer);
    expect(text).toContain('Người ký: Trần Văn Tư');
    expect(text).toContain('Chưa đánh giá');
    expect(await sheet.locator('.citizen').textContent()).toBe(`Nguyễn Thị Hoa · ${maskedPhone} · h***@example.vn`);
    expect(text).not.toContain('hoa.nguyen@example.vn');
    expect(await sheet.locator('.stages li').evaluateAll((items) => items.map((li) => li.getAttribute('data-level')))).toEqual(['1', '2']);
    // The PDF link is the same ticket's.
    expect(await sheetPage.getByRole('link', { name: 'Tải PDF' }).getAttribute('href')).toBe(`/api/v1/tickets/${ticket.id}/print.pdf?lang=vi`);
    if (process.env.SCREENSHOTS === '1') await sheetPage.screenshot({ path: 'docs/screenshots/printed-ticket.png' });

    // On paper: the app and the tools are hidden, and the sheet is one A4 page.
    const pdf = await sheetPage.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
    if (pdfinfo) {
      const dir = mkdtempSync(join(tmpdir(), 'gw1022-print-'));
      try {
        writeFileSync(join(dir, 'sheet.pdf'), pdf);
        const info = spawnSync('pdfinfo', [join(dir, 'sheet.pdf')], { encoding: 'utf8' });
        expect(/^Pages:\s+(\d+)/m.exec(info.stdout)?.[1]).toBe('1');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    await sheetPage.emulateMedia({ media: 'print' });
    expect(await sheetPage.locator('.topbar').isVisible()).toBe(false);
    expect(await sheetPage.locator('.print-tools').isVisible()).toBe(false);
    expect(ui.problems).toEqual([]);
  });
});
