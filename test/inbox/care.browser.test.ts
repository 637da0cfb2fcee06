// Customer care as people do it, in chromium: the dossiers, the campaign and its pre-notice come in
// through the API; an operator works the call queue (one citizen answers and is not satisfied, one
// does not pick up); the supervisor reads the results and turns the complaint into a ticket for
// the dossier's unit in one click; a field interviewer records a home visit on a phone-sized page.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { chromiumAvailability } from '../helpers/browser.ts';
import { exportHeader as header, exportRows, outboundNumber, startCareBrowser, type CareBrowser } from '../helpers/care-browser.ts';

const complaint = 'Phải đi lại hai lần vì thiếu hướng dẫn';
const campaignName = 'Chăm sóc khách hàng tháng 10/2026';
const rows = exportRows;
// Which unit each province dossier belongs to: the ticket must go to the answering citizen's one.
const unitOf: Record<string, string> = { 'H12.82-261001-0001': 'so-tu-phap', 'H12.82-261002-0002': 'so-xay-dung' };
const screenshotsDir = process.env.SCREENSHOTS === '1' ? 'docs/screenshots' : null;
const { available } = chromiumAvailability();

describe.skipIf(!available)('customer care in the browser', () => {
  let care: CareBrowser;
  let gw: TestApp;
  let page: Page;
  let texts: CareBrowser['texts'];
  let campaignId = 0;
  let units: Record<string, number> = {};
  const rest = <T>(path: string, body?: unknown, init?: { method?: string; type?: string }) => care.rest<T>(path, body, init);
  const signIn = (login: string) => care.signIn(login);
  const signOut = () => care.signOut();
  const shoot = async (name: string) => {
    if (screenshotsDir) await page.screenshot({ path: `${screenshotsDir}/${name}.png` });
  };

  beforeAll(async () => {
    if (screenshotsDir) mkdirSync(screenshotsDir, { recursive: true });
    care = await startCareBrowser();
    ({ gw, page, texts } = care);
    const { agentIds } = care;
    units = Object.fromEntries((await rest<{ items: Array<{ key: string; id: number }> }>('/api/v1/units')).items.map((u) => [u.key, u.id]));

    // The one-stop system's export: three good rows and one with a bad phone number.
    const imported = await rest<{ inserted: number; errors: Array<{ line: number }> }>('/api/v1/dossiers/import?mapping=mot-cua', [header, ...rows].join('\n'), { type: 'text/csv' });
    expect(imported).toMatchObject({ inserted: 3, errors: [{ line: 5 }] });
    // The province desk's two citizens are called; the commune's one is visited at home.
    const created = await rest<{ id: number; drawn: number }>('/api/v1/campaigns', {
      name: campaignName,
      template: 'care',
      filter: { finishedFrom: '2026-10-01', finishedTo: '2026-10-31', deskLevels: ['province'] },
      sampleSize: 2,
      stratifyBy: 'unit',
      minPerStratum: 1,
      seed: 'thang-10',
      excludeDays: 90,
      noticeLeadMinutes: 0,
    });
    expect(created.drawn).toBe(2);
    campaignId = created.id;
    expect(await rest(`/api/v1/campaigns/${campaignId}/notify?limit=1`, undefined, { method: 'POST' })).toMatchObject({ notified: 1, remaining: 1 });
    expect(await rest(`/api/v1/campaigns/${campaignId}/notify?limit=1`, undefined, { method: 'POST' })).toMatchObject({ notified: 1, remaining: 0, byChannel: { sms: 1 } });
    expect(texts.map((x) => x.to).sort()).toEqual(['84912000111', '84912000222']);
    for (const x of texts) expect(x.text).toContain(outboundNumber);
    const visits = await rest<{ id: number; drawn: number }>('/api/v1/campaigns', { name: 'Khảo sát tại nhà phường Mỹ Tho', template: 'care', filter: { deskLevels: ['commune'] }, sampleSize: 1, stratifyBy: 'none', excludeDays: 90, seed: 'tai-nha', visitLevels: ['commune'], noticeLeadMinutes: 0 });
    expect(visits.drawn).toBe(1);
    await rest(`/api/v1/campaigns/${visits.id}/notify`, undefined, { method: 'POST' });
    expect(await rest(`/api/v1/campaigns/${visits.id}/visits/assign`, { agentIds: [agentIds['dtv.hoa']] })).toEqual({ assigned: 1 });

  }, 120_000);
  afterAll(async () => {
    await care?.close();
  });

  it('the operator works the queue, the supervisor turns the complaint into a ticket for the unit, the interviewer records a visit on a phone', { timeout: 240_000 }, async () => {
    await signIn('dtv.hoa');
    await page.locator('.topbar nav a', { hasText: 'Chăm sóc khách hàng' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/inbox/care/queue');
    // Operators do not see the supervisors' sections.
    // The screens behind sign-in load on first use: wait for the care screen's own navigation.
    await page.locator('.care-nav a').first().waitFor();
    await expect(page.locator('.care-nav a').allTextContents()).resolves.toEqual(['Hàng đợi gọi', 'Khảo sát tại nhà']);
    await page.locator('select[name="campaign"]').selectOption({ label: campaignName });
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/inbox/care/queue/${campaignId}`);

    // The first citizen: who, the script, the tel: link, no history yet.
    const card = page.locator('.interview');
    await card.waitFor();
    const first = (await card.getAttribute('data-code'))!;
    const second = Object.keys(unitOf).find((code) => code !== first)!;
    expect(Object.keys(unitOf)).toContain(first);
    await expect(card.locator('a.tel').getAttribute('href')).resolves.toBe(first === 'H12.82-261001-0001' ? 'tel:0912000111' : 'tel:0912000222');
    await expect(card.locator('.greeting').textContent()).resolves.toContain(first);
    await card.locator('.history', { hasText: 'Chưa liên hệ lần nào.' }).waitFor();
    // Saving without the required answer is stopped before it reaches the server.
    await card.getByRole('button', { name: 'Hoàn thành – lưu câu trả lời' }).click();
    await card.getByRole('alert').filter({ hasText: 'Chưa có câu trả lời bắt buộc' }).waitFor();
    // The citizen answers: not satisfied, with what went wrong.
    await card.locator('fieldset[data-question="overall"]').getByLabel('Không hài lòng').check();
    await card.locator('fieldset[data-question="satisfiedMost"] textarea').fill('Nhận kết quả đúng hẹn');
    await card.locator('fieldset[data-question="inconveniences"] textarea').fill(complaint);
    await card.locator('fieldset[data-question="suggestions"] textarea').fill('Niêm yết rõ thành phần hồ sơ');
    // Answering clears the complaint about the missing answer.
    await expect(card.getByRole('alert').count()).resolves.toBe(0);
    await page.locator('main.care').evaluate((el) => el.scrollTo(0, 0));
    await shoot('care-queue');
    await card.getByRole('button', { name: 'Hoàn thành – lưu câu trả lời' }).click();

    // Recording brings up the next citizen; this one does not pick up.
    await page.getByRole('status').filter({ hasText: `Đã ghi kết quả “Hoàn thành” cho hồ sơ ${first}` }).waitFor();
    const next = page.locator(`.interview[data-code="${second}"]`);
    await next.waitFor();
    await next.getByRole('button', { name: 'Không nghe máy' }).click();
    await page.getByRole('status').filter({ hasText: `Đã ghi kết quả “Không nghe máy” cho hồ sơ ${second}` }).waitFor();
    await page.locator('.queue-empty').waitFor();
    const recorded = await rest<{ byStatus: Record<string, number> }>(`/api/v1/campaigns/${campaignId}/results`);
    expect(recorded.byStatus).toEqual({ completed: 1, no_answer: 1 });
    await signOut();

    // The supervisor reads the results: the rates, the not-satisfied citizen and what they said.
    await signIn('gs.binh');
    await page.locator('.topbar nav a', { hasText: 'Chăm sóc khách hàng' }).click();
    await page.locator(`a[data-campaign="${campaignId}"]`).click();
    const results = page.locator('section.results');
    await expect.poll(() => results.locator('[data-figure="completed"]').textContent()).toBe('1');
    expect(await results.locator('[data-figure="responseRate"]').textContent()).toBe('50,00%');
    expect(await results.locator('[data-figure="notified"]').textContent()).toBe('2');
    await results.locator('.answer-texts li.not-satisfied', { hasText: complaint }).waitFor();
    const row = results.locator('table.not-satisfied tr', { hasText: first });
    await row.waitFor();
    // One click: the ticket is opened and forwarded to the dossier's unit.
    await row.getByRole('button', { name: 'Tạo phiếu xử lý' }).click();
    await results.getByRole('status').filter({ hasText: /Đã tạo phiếu 1022-\d{4}-\d{6} và chuyển đơn vị phụ trách/ }).waitFor();
    await row.getByRole('link', { name: 'Đã có phiếu' }).waitFor();
    await expect(results.getByRole('button', { name: 'Tạo phiếu xử lý' }).count()).resolves.toBe(0);
    await shoot('care-results');

    const after = await rest<{ notSatisfied: Array<{ code: string; ticketId: number | null }> }>(`/api/v1/campaigns/${campaignId}/results`);
    const ticketId = after.notSatisfied.find((r) => r.code === first)!.ticketId!;
    expect(ticketId).toEqual(expect.any(Number));
    const ticket = await rest<{ unitId: number; status: string; level: number; body: string; type: string }>(`/api/v1/tickets/${ticketId}`);
    expect(ticket).toMatchObject({ unitId: units[unitOf[first]!], status: 'waiting_unit', level: 2, type: 'complaint' });
    expect(ticket.body).toContain(complaint);
    // And the ticket screen shows it at the unit.
    await results.getByRole('link', { name: 'Mở phiếu' }).click();
    const unitName = first === 'H12.82-261001-0001' ? 'Sở Tư pháp' : 'Sở Xây dựng';
    await page.locator('.ticket-detail header', { hasText: unitName }).waitFor();
    await signOut();

    // The field interviewer, on a phone at the citizen's door.
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn('dtv.hoa');
    await page.goto(`${gw.url}/inbox/care/visits`);
    const visit = page.locator('.visit-list li', { hasText: 'X01.82-261003-0003' });
    await visit.getByRole('button', { name: /Lê Thị Cúc/ }).click();
    const form = visit.locator('.interview');
    await form.waitFor();
    await expect(form.locator('a.tel').getAttribute('href')).resolves.toBe('tel:0912000333');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await form.locator('fieldset[data-question="overall"]').getByLabel('Hài lòng', { exact: true }).check();
    await form.locator('fieldset[data-question="suggestions"] textarea').fill('Cán bộ tận tình');
    await form.getByRole('button', { name: 'Hoàn thành – lưu câu trả lời' }).click();
    await page.locator('.care-visits .empty', { hasText: 'Không có cuộc khảo sát tại nhà nào được giao.' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(care.problems).toEqual([]);
  });
});
