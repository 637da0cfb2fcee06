// The escalation path as people do it, in chromium: a citizen asks in the live-chat widget, the
// operator opens a ticket and forwards it, the unit officer escalates, the unit leader answers;
// the citizen's widget shows the answer with the rating buttons, the citizen taps one, and the
// supervisor's monthly report counts the vote.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInbox } from '../../scripts/build-inbox.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { chromiumAvailability, launchBrowser, type Browser } from '../helpers/browser.ts';
import { testConfigFile } from '../helpers/config.ts';

const password = 'Đồng-Tháp-sen-hồng-2026!';
const answer = 'Ông/Bà nộp tờ khai cấp lại bản sao trích lục khai sinh tại UBND xã nơi đã đăng ký, nhận kết quả trong ngày.';
const { available } = chromiumAvailability();
// `npm run screenshots` sets SCREENSHOTS=1: the ticket and report screens are saved for the docs.
const shoot = async (page: Page, name: string) => {
  if (process.env.SCREENSHOTS === '1') await page.screenshot({ path: `docs/screenshots/${name}.png` });
};

describe.skipIf(!available)('ticket escalation in the browser', () => {
  let gw: TestApp;
  let citizenBrowser: Browser;
  let staffBrowser: Browser;
  let staff: Page;
  const problems: string[] = [];

  const rest = async <T>(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> => {
    const res = await fetch(`${gw.url}${path}`, { method, headers: { ...gw.auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as T;
  };
  const signIn = async (login: string) => {
    await staff.goto(`${gw.url}/inbox`);
    await staff.locator('input[name="login"]').fill(login);
    await staff.locator('input[name="password"]').fill(password);
    await staff.getByRole('button', { name: 'Đăng nhập' }).click();
    await staff.locator('.topbar .me').waitFor();
  };
  const signOut = async () => {
    await staff.locator('.topbar').getByRole('button', { name: 'Đăng xuất', exact: true }).click();
    await staff.locator('input[name="login"]').waitFor();
  };

  beforeAll(async () => {
    await buildInbox();
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ businessHours: undefined, router: { enabled: false }, security: { signInAttemptsPerMinute: 1000 } }) } });
    const units = Object.fromEntries((await rest<{ items: Array<{ key: string; id: number }> }>('/api/v1/units')).items.map((u) => [u.key, u.id]));
    for (const [username, displayName, role, unit] of [
      ['dtv.an', 'Điện thoại viên An', 'agent', null],
      ['sotp.canbo', 'Cán bộ Sở Tư pháp', 'unit_officer', 'so-tu-phap'],
      ['sotp.lanhdao', 'Lãnh đạo Sở Tư pháp', 'unit_leader', 'so-tu-phap'],
      ['gs.binh', 'Giám sát Bình', 'supervisor', null],
    ] as const) {
      const agent = await rest<{ id: number }>('/api/v1/agents', { username, displayName, role, teams: role === 'agent' ? ['tiep-nhan-chung'] : [], password });
      if (unit) await rest(`/api/v1/agents/${agent.id}/units`, { unitIds: [units[unit]] }, 'PUT');
    }
    citizenBrowser = await launchBrowser();
    staffBrowser = await launchBrowser();
    staff = await staffBrowser.context.newPage();
    for (const page of [staff]) {
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('dialog', (dialog) => void dialog.dismiss());
    }
  }, 120_000);
  afterAll(async () => {
    await citizenBrowser?.close();
    await staffBrowser?.close();
    await gw?.close();
  });

  it('forwards, escalates, answers; the widget gets the answer and the buttons; the vote reaches the report', { timeout: 180_000 }, async () => {
    // The citizen asks on the province's website.
    const citizen = await citizenBrowser.context.newPage();
    citizen.on('pageerror', (error) => problems.push(error.message));
    await citizen.goto(`${gw.url}/demo`);
    await citizen.locator('[data-gw1022] button.launcher').click();
    const chat = citizen.frameLocator('[data-gw1022] iframe');
    await chat.locator('#pc-name').fill('Võ Thị Mai');
    await chat.locator('#pc-phone').fill('0918222333');
    await chat.locator('#prechat button[type=submit]').click();
    await chat.locator('#text').fill('Tôi bị mất bản sao trích lục khai sinh, xin cấp lại ở đâu?');
    await chat.locator('#text').press('Enter');
    await chat.locator('.msg.visitor[data-id]').first().waitFor();
    const conversationId = (await rest<{ items: Array<{ id: number }> }>('/api/v1/conversations?channel=webchat')).items[0]!.id;
    // The bot answered it, so no team has it yet, and an operator opens tickets only from the
    // conversations they may see: the supervisor puts it in the reception team's queue.
    const reception = (await rest<Array<{ id: number; key: string }>>('/api/v1/teams')).find((team) => team.key === 'tiep-nhan-chung')!;
    await rest(`/api/v1/conversations/${conversationId}`, { teamId: reception.id }, 'PATCH');

    // The operator opens a ticket from the conversation and forwards it to the department.
    await signIn('dtv.an');
    await staff.goto(`${gw.url}/inbox/c/${conversationId}`);
    const form = staff.locator('form.create-ticket');
    await form.getByLabel('Tóm tắt').fill('Cấp lại bản sao trích lục khai sinh');
    await form.getByRole('checkbox').check();
    await form.getByRole('button', { name: 'Tạo phiếu' }).click();
    const detail = staff.locator('.ticket-detail');
    await detail.locator('h2').filter({ hasText: /^1022-\d{4}-\d{6}/ }).waitFor();
    const code = (await detail.locator('h2').textContent())!.split(' ')[0]!;
    await detail.getByRole('button', { name: 'Chuyển đơn vị' }).click();
    await detail.locator('select[name="unit"]').selectOption({ label: 'Sở Tư pháp' });
    await detail.locator('.action-form').getByRole('button', { name: 'Chuyển đơn vị' }).click();
    await detail.locator('.tk-badge', { hasText: '2 · Đơn vị' }).waitFor();
    await signOut();

    // The unit officer lands on the unit's tickets, accepts and hands it to the leadership.
    await signIn('sotp.canbo');
    await expect.poll(() => new URL(staff.url()).pathname).toBe('/inbox/tickets');
    await expect(staff.locator('.topbar nav a', { hasText: 'Hội thoại' }).count()).resolves.toBe(0);
    await staff.locator(`a[data-ticket="${code}"]`).click();
    await detail.getByRole('button', { name: 'Tiếp nhận' }).click();
    await detail.locator('.tk-badge', { hasText: 'Đang xử lý' }).waitFor();
    await detail.getByRole('button', { name: 'Trình lãnh đạo' }).click();
    await detail.locator('.tk-badge', { hasText: '3 · Lãnh đạo đơn vị' }).waitFor();
    // The officer cannot answer at the leadership's level.
    await expect(detail.getByRole('button', { name: 'Trả lời' }).count()).resolves.toBe(0);
    await signOut();

    // The unit leader answers.
    await signIn('sotp.lanhdao');
    await staff.locator(`a[data-ticket="${code}"]`).click();
    await detail.getByRole('button', { name: 'Trả lời', exact: true }).click();
    await detail.locator('textarea[name="comment"]').fill(answer);
    // The department's official letter goes with the answer.
    await detail.locator('input[name="files"]').setInputFiles({ name: 'cong-van-so-tu-phap.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
    await detail.locator('.action-form .hint', { hasText: 'cong-van-so-tu-phap.pdf' }).waitFor();
    await detail.locator('.action-form').getByRole('button', { name: 'Trả lời' }).click();
    await detail.locator('.tk-badge', { hasText: 'Đã trả lời' }).waitFor();
    const letter = detail.locator('.history a.file', { hasText: 'cong-van-so-tu-phap.pdf' });
    const download = await staff.request.get(`${gw.url}${await letter.getAttribute('href')}`);
    expect(download.status()).toBe(200);
    expect((await download.body()).toString()).toContain('%PDF-1.4');
    await shoot(staff, 'ticket');
    await signOut();

    // The citizen's widget shows the answer and the rating buttons; the citizen taps one.
    await chat.locator('.msg.agent', { hasText: answer }).waitFor({ timeout: 20_000 });
    const buttons = chat.locator('.msg .choices button');
    await expect.poll(() => buttons.allTextContents()).toEqual(['Hài lòng', 'Không hài lòng']);
    await buttons.filter({ hasText: 'Hài lòng' }).first().click();
    await chat.locator('.msg', { hasText: 'Cảm ơn Ông/Bà đã đánh giá' }).waitFor({ timeout: 20_000 });

    // The supervisor sees the vote in this month's report.
    await signIn('gs.binh');
    await staff.locator('.topbar nav a', { hasText: 'Báo cáo tháng' }).click();
    const month = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 7);
    await staff.locator('input[type="month"]').fill(month);
    await expect.poll(() => staff.locator('[data-figure="satisfaction-satisfied"]').textContent()).toBe('1');
    expect(await staff.locator('[data-figure="rate-satisfied"]').textContent()).toBe('100,00%');
    expect(await staff.locator('[data-figure="tthc"]').textContent()).toBe('1');
    await expect(staff.locator('.report canvas').count()).resolves.toBe(4);
    await shoot(staff, 'monthly-report');
    expect(problems).toEqual([]);
  });
});
