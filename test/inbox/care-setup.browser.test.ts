// Setting up customer care as a supervisor does it, in chromium: the one-stop system's export is
// imported on the import screen (twice: the second time its dossiers are updated, not added) and
// looked up on the imported-dossiers screen, a campaign is created and its sample drawn on the campaigns screen, the pre-notice goes out in
// batches through the SMS gateway, and the home visits are given to an interviewer who then finds
// them on the home-visits screen.
import type { Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { chromiumAvailability } from '../helpers/browser.ts';
import { exportHeader as header, exportRows, outboundNumber, startCareBrowser, type CareBrowser } from '../helpers/care-browser.ts';

const mappingName = 'mot-cua-dong-thap';
const campaignName = 'Chăm sóc khách hàng tháng 10/2026 – tỉnh và xã';
const seed = 'thang-10';
// Line 1 is the header: the bad phone number is on line 5. The last two are outside the campaign's
// population (finished in September; a district desk).
const rows = [
  ...exportRows,
  'H12.82-260905-0005,Cấp phiếu lý lịch tư pháp,Lý lịch tư pháp,Trung tâm Phục vụ hành chính công tỉnh,Tỉnh,Sở Tư pháp,Võ Văn Em,0912000555,,05/09/2026,20/09/2026,20/09/2026,Đã trả kết quả',
  'D03.82-261006-0006,Đăng ký kinh doanh hộ gia đình,Kinh doanh,Bộ phận một cửa huyện Cái Bè,Huyện,UBND huyện Cái Bè,Đỗ Thị Gấm,0912000666,,06/10/2026,10/10/2026,10/10/2026,Đã trả kết quả',
];
const csv = Buffer.from(`${[header, ...rows].join('\n')}\n`, 'utf8');
// The good rows, and the number each citizen is told on (as the SMS gateway receives it).
const phoneOf: Record<string, string> = {
  'H12.82-261001-0001': '84912000111',
  'H12.82-261002-0002': '84912000222',
  'X01.82-261003-0003': '84912000333',
  'H12.82-260905-0005': '84912000555',
  'D03.82-261006-0006': '84912000666',
};
const { available } = chromiumAvailability();

describe.skipIf(!available)('customer care set up by a supervisor in the browser', () => {
  let care: CareBrowser;
  let gw: TestApp;
  let page: Page;
  let texts: CareBrowser['texts'];
  const rest = <T>(path: string, body?: unknown, init?: { method?: string; type?: string }) => care.rest<T>(path, body, init);
  const signIn = (login: string) => care.signIn(login);
  const signOut = () => care.signOut();
  const careSection = async (name: string, path: string) => {
    await page.locator('.care-nav a', { hasText: name }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(path);
  };
  /** The dossier codes a campaign drew, read from the store. */
  const drawnCodes = async (campaignId: number) => {
    const { store } = gw.app.gateway;
    const { t } = store;
    const rows = await store.db
      .select({ code: t.dossiers.code })
      .from(t.campaignTargets)
      .innerJoin(t.dossiers, eq(t.dossiers.id, t.campaignTargets.dossierId))
      .where(eq(t.campaignTargets.campaignId, campaignId));
    return rows.map((row) => row.code).sort();
  };
  /** The dossiers as stored, with their creation and update times (which the API does not list). */
  const storedDossiers = async () => {
    const { store } = gw.app.gateway;
    const { t } = store;
    const found = await store.db.select({ code: t.dossiers.code, phone: t.dossiers.applicantPhone, deskLevel: t.dossiers.deskLevel, createdAt: t.dossiers.createdAt, updatedAt: t.dossiers.updatedAt }).from(t.dossiers);
    return found.sort((a, b) => (a.code < b.code ? -1 : 1));
  };

  beforeAll(async () => {
    care = await startCareBrowser();
    ({ gw, page, texts } = care);
  }, 120_000);
  afterAll(async () => {
    await care?.close();
  });

  it('the supervisor imports the dossiers twice, draws a campaign, sends its pre-notice and gives its home visits to an interviewer who then sees them', { timeout: 240_000 }, async () => {
    await signIn('gs.binh');
    await page.locator('.topbar nav a', { hasText: 'Chăm sóc khách hàng' }).click();
    // Supervisors start on their campaigns, and see the import and its dossiers besides the operators' sections.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/inbox/care/campaigns');
    // The screens behind sign-in load on first use: wait for the care screen's own navigation.
    await page.locator('.care-nav a').first().waitFor();
    await expect(page.locator('.care-nav a').allTextContents()).resolves.toEqual(['Hàng đợi gọi', 'Khảo sát tại nhà', 'Chiến dịch', 'Nhập hồ sơ', 'Hồ sơ đã nhập']);

    // --- 1. The one-stop system's export, under a mapping name of its own --------------------
    await careSection('Nhập hồ sơ', '/inbox/care/import');
    const importer = page.locator('.care-import');
    const importButton = importer.getByRole('button', { name: 'Nhập', exact: true });
    // Nothing to send before a file is chosen.
    await expect(importButton.isDisabled()).resolves.toBe(true);
    await importer.getByLabel('Tệp CSV hoặc XLSX').setInputFiles({ name: 'ho-so-thang-10.csv', mimeType: 'text/csv', buffer: csv });
    await importer.locator('input[name="mapping"]').fill(mappingName);
    await importButton.click();
    const summary = importer.locator('section.import-result[role="status"]');
    await summary.locator('p', { hasText: `Đọc 6 dòng: thêm 5, cập nhật 0, 1 dòng lỗi (cách đọc cột “${mappingName}”).` }).waitFor();
    // The bad row, by the line a spreadsheet shows it on, with the reason in Vietnamese.
    const badRows = summary.locator('table.bad-rows tbody tr');
    await expect(badRows.count()).resolves.toBe(1);
    await expect(summary.locator('tr[data-line="5"] td').allTextContents()).resolves.toEqual(['5', 'X01.82-261004-0004', 'Không phải số điện thoại Việt Nam “12345”']);
    // The mapping name is offered the next time.
    await expect(importer.locator('#care-mappings option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).resolves.toContain(mappingName);

    const first = await storedDossiers();
    expect(first.map((d) => d.code)).toEqual(Object.keys(phoneOf).sort());
    for (const d of first) expect(d.phone).toBe(phoneOf[d.code]);

    // The same file again: the five dossiers are known by their code and updated, none added.
    await importer.getByLabel('Tệp CSV hoặc XLSX').setInputFiles({ name: 'ho-so-thang-10.csv', mimeType: 'text/csv', buffer: csv });
    await importButton.click();
    await summary.locator('p', { hasText: `Đọc 6 dòng: thêm 0, cập nhật 5, 1 dòng lỗi (cách đọc cột “${mappingName}”).` }).waitFor();
    await expect(summary.locator('tr[data-line="5"] td').nth(1).textContent()).resolves.toBe('X01.82-261004-0004');

    // Each good row is stored once (the bad one not at all), its first creation kept.
    const second = await storedDossiers();
    expect(second.map((d) => d.code)).toEqual(Object.keys(phoneOf).sort());
    for (const [i, d] of second.entries()) {
      expect(d.createdAt.getTime()).toBe(first[i]!.createdAt.getTime());
      expect(d.updatedAt.getTime()).toBeGreaterThan(first[i]!.updatedAt.getTime());
    }
    const mappings = await rest<{ items: Array<{ name: string; mapping: Record<string, string> }> }>('/api/v1/dossiers/mappings');
    expect(mappings.items.find((m) => m.name === mappingName)?.mapping).toMatchObject({ code: 'Mã hồ sơ', applicantPhone: 'Số điện thoại', deskLevel: 'Cấp', finishedAt: 'Ngày trả kết quả' });

    // --- 1b. What was imported, from the import's own link: the latest imported first ---------
    await summary.getByRole('link', { name: 'Xem hồ sơ đã nhập' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/inbox/care/dossiers');
    const list = page.locator('.care-dossiers');
    const listed = list.locator('table.dossiers tbody tr');
    const shownCodes = () => listed.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-code')));
    await expect.poll(shownCodes).toEqual(['D03.82-261006-0006', 'H12.82-260905-0005', 'X01.82-261003-0003', 'H12.82-261002-0002', 'H12.82-261001-0001']);
    // An applicant's name typed without accents finds their dossier alone, the phone as it is dialled.
    await list.getByLabel('Mã hồ sơ, tên hoặc số điện thoại').fill('nguyen thi hoa');
    await list.getByLabel('Mã hồ sơ, tên hoặc số điện thoại').press('Enter');
    await expect.poll(shownCodes).toEqual(['H12.82-261002-0002']);
    await expect(listed.first().locator('td').allTextContents()).resolves.toEqual(['H12.82-261002-0002', 'Cấp giấy phép xây dựng', 'Sở Xây dựng', 'Nguyễn Thị Hoa', '0912 000 222', '14/10/2026', 'Đã trả kết quả']);
    // Finished 3–5 October, Viet Nam time: the last day counts whole (the first dossier finished at 10:30 on it).
    await list.getByLabel('Mã hồ sơ, tên hoặc số điện thoại').fill('');
    await list.getByLabel('Trả kết quả từ ngày').fill('2026-10-03');
    await list.getByLabel('đến ngày').fill('2026-10-05');
    await list.getByRole('button', { name: 'Tìm', exact: true }).click();
    await expect.poll(shownCodes).toEqual(['X01.82-261003-0003', 'H12.82-261001-0001']);
    await expect(listed.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent).slice(4, 6)))).resolves.toEqual([
      ['0912 000 333', '03/10/2026'],
      ['0912 000 111', '05/10/2026'],
    ]);
    // Five dossiers are one page: nothing more to show. Someone outside the days: nothing matches.
    await expect(list.getByRole('button', { name: 'Xem thêm' }).count()).resolves.toBe(0);
    await list.getByLabel('Mã hồ sơ, tên hoặc số điện thoại').fill('Võ Văn Em');
    await list.getByLabel('Mã hồ sơ, tên hoặc số điện thoại').press('Enter');
    await list.locator('p.empty', { hasText: 'Không có hồ sơ nào khớp.' }).waitFor();

    // --- 2. The campaign: October's province and commune dossiers, two citizens drawn --------
    await careSection('Chiến dịch', '/inbox/care/campaigns');
    const create = page.locator('section.create-campaign');
    await create.getByLabel('Tên chiến dịch').fill(campaignName);
    await create.getByLabel('Trả kết quả từ ngày').fill('2026-10-01');
    await create.getByLabel('đến ngày').fill('2026-10-31');
    const deskLevels = create.getByRole('group', { name: 'Cấp tiếp nhận (để trống: tất cả)' });
    await deskLevels.getByLabel('Cấp tỉnh').check();
    await deskLevels.getByLabel('Cấp xã').check();
    await create.getByLabel('Cỡ mẫu').fill('2');
    await create.getByLabel('Phân tầng theo').selectOption({ label: 'Cấp tiếp nhận' });
    await create.getByLabel('Hạt giống ngẫu nhiên').fill(seed);
    await create.getByLabel('Bỏ qua người đã liên hệ trong (ngày)').fill('90');
    await create.getByLabel('Bảng hỏi').selectOption({ label: 'Chăm sóc khách hàng (mức hài lòng và 3 câu hỏi mở)' });
    // The questionnaire it will ask is shown before the campaign is made: the overall satisfaction, then three open questions.
    await expect.poll(() => create.locator('ol.template-preview li').count()).toBe(4);
    await expect(create.locator('ol.template-preview li').first().textContent()).resolves.toBe('Nhìn chung, Ông/Bà có hài lòng với việc giải quyết hồ sơ của mình không?');
    // The commune's citizens are visited at home, the others called.
    await create.getByRole('group', { name: 'Khảo sát tại nhà thay vì gọi điện cho cấp' }).getByLabel('Cấp xã').check();
    await create.getByLabel('Gọi sau khi thông báo (phút; để trống: theo cấu hình)').fill('0');
    await create.getByRole('button', { name: 'Tạo và chọn mẫu' }).click();

    const created = create.locator('.created[role="status"]');
    await created.locator('p', { hasText: `Đã chọn 2 người (hạt giống ${seed}); bỏ qua 0 người đã liên hệ hoặc xin không liên hệ, 0 hồ sơ trùng người, 0 hồ sơ không có số điện thoại hay email.` }).waitFor();
    // Three in the population (September's and the district's are not), split in proportion: one
    // of the province's two, the commune's one.
    const strataRows = await created.locator('table.strata tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
    expect(strataRows).toEqual([
      ['Cấp xã', '1', '1'],
      ['Cấp tỉnh', '2', '1'],
    ]);
    // The new campaign is listed; opening it shows it active with both citizens not told yet.
    await page.locator('.campaign-list a', { hasText: campaignName }).waitFor();
    await created.getByRole('button', { name: 'Mở chiến dịch' }).click();
    await expect.poll(() => /^\/inbox\/care\/campaigns\/\d+$/.test(new URL(page.url()).pathname)).toBe(true);
    const campaignId = Number(new URL(page.url()).pathname.split('/').pop());
    const campaign = page.locator('section.campaign');
    await campaign.locator('h2', { hasText: campaignName }).locator('.tk-badge', { hasText: 'Đang thực hiện' }).waitFor();
    await expect(campaign.locator('table.by-status tr[data-status="pending"] td.num').textContent()).resolves.toBe('2');

    const stored = await rest<{ name: string; kind: string; status: string; seed: string; sampleSize: number; stratifyBy: string; excludeDays: number; outboundNumber: string; targets: number; byStatus: Record<string, number>; filter: Record<string, unknown>; options: Record<string, unknown> }>(`/api/v1/campaigns/${campaignId}`);
    expect(stored).toMatchObject({ name: campaignName, kind: 'care', status: 'active', seed, sampleSize: 2, stratifyBy: 'deskLevel', excludeDays: 90, outboundNumber, targets: 2, byStatus: { pending: 2 } });
    expect(stored.filter).toMatchObject({ deskLevels: ['province', 'commune'] });
    expect(stored.options).toEqual({ visitLevels: ['commune'], webSurvey: false, noticeLeadMinutes: 0 });
    // Which of the province's two the seed drew, as the campaign stored it.
    const drawn = await drawnCodes(campaignId);
    expect(drawn).toContain('X01.82-261003-0003');
    const provinceDrawn = drawn.find((code) => code !== 'X01.82-261003-0003');
    expect(['H12.82-261001-0001', 'H12.82-261002-0002']).toContain(provinceDrawn);

    // --- 3. The pre-notice, one citizen per batch, until everyone drawn is told ---------------
    const notify = campaign.locator('section.notify');
    await notify.getByLabel('Mỗi lô').fill('1');
    await notify.getByRole('button', { name: 'Gửi thông báo' }).click();
    await notify.locator('p.notify-result[role="status"]', { hasText: 'Đã thông báo 2 người: Zalo 0, email 0, SMS 2, không có kênh 0. Còn lại 0.' }).waitFor();
    await expect.poll(() => campaign.locator('table.by-status tr[data-status="notified"] td.num').textContent()).toBe('2');
    await expect(campaign.locator('table.by-status tr[data-status="pending"]').count()).resolves.toBe(0);
    // The texts reached the drawn citizens' numbers, each naming its dossier and the official number.
    expect(texts.map((x) => x.to).sort()).toEqual([phoneOf[provinceDrawn!], phoneOf['X01.82-261003-0003']].sort());
    for (const x of texts) {
      const code = Object.keys(phoneOf).find((c) => phoneOf[c] === x.to)!;
      expect(x.text).toContain(`(hồ sơ ${code})`);
      expect(x.text).toContain(outboundNumber);
    }
    expect(await rest(`/api/v1/campaigns/${campaignId}`)).toMatchObject({ byStatus: { notified: 2 } });

    // --- 4. The home visit goes to the interviewer -------------------------------------------
    const assign = campaign.locator('section.assign');
    const assignButton = assign.getByRole('button', { name: 'Chia cho người đã chọn' });
    await expect(assignButton.isDisabled()).resolves.toBe(true);
    await assign.getByLabel('Điện thoại viên Hòa').check();
    await assignButton.click();
    await assign.getByRole('status').filter({ hasText: 'Đã giao 1 cuộc khảo sát tại nhà.' }).waitFor();
    await signOut();

    await signIn('dtv.hoa');
    await page.locator('.topbar nav a', { hasText: 'Chăm sóc khách hàng' }).click();
    await careSection('Khảo sát tại nhà', '/inbox/care/visits');
    const visits = page.locator('.care-visits .visit-list li');
    await visits.first().waitFor();
    await expect(visits.count()).resolves.toBe(1);
    await expect(visits.first().locator('small').textContent()).resolves.toBe('X01.82-261003-0003 · Bộ phận một cửa phường Mỹ Tho');
    await visits.first().getByRole('button', { name: /Lê Thị Cúc/ }).click();
    await expect(visits.first().locator('.interview a.tel').getAttribute('href')).resolves.toBe('tel:0912000333');
    expect(care.problems).toEqual([]);
  });
});
