// The phone line as an operator lives it, in chromium: a citizen's call rings at the operator's
// extension on a stand-in Asterisk, the caller's card pops up with their open ticket, and one
// click opens a new ticket from the call.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInbox } from '../../scripts/build-inbox.ts';
import { queueCallEvents, startAmiStandin, type AmiFields, type AmiStandin } from '../helpers/ami-standin.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { chromiumAvailability, launchBrowser, type Browser } from '../helpers/browser.ts';
import { testConfigFile } from '../helpers/config.ts';
import { waitFor } from '../helpers/platform-standins.ts';

const password = 'Đồng-Tháp-sen-hồng-2026!';
const { available } = chromiumAvailability();
const shoot = async (page: Page, name: string) => {
  if (process.env.SCREENSHOTS === '1') await page.screenshot({ path: `docs/screenshots/${name}.png` });
};

describe.skipIf(!available)('the screen pop in the browser', () => {
  let gw: TestApp;
  let pbx: AmiStandin;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let openTicketCode = '';

  const rest = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${gw.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { ...gw.auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    await buildInbox();
    pbx = await startAmiStandin({ username: 'gateway', secret: 'ami-secret' });
    gw = await startTestApp({
      env: {
        CONFIG_FILE: testConfigFile({
          businessHours: undefined,
          router: { enabled: false },
          security: { signInAttemptsPerMinute: 1000 },
          inboxes: [
            { key: 'webform', channel: 'webform', name: 'Biểu mẫu web', settings: {} },
            { key: 'tong-dai', channel: 'switchboard', name: 'Tổng đài 1022', settings: { ami: { host: '127.0.0.1', port: pbx.port, username: 'gateway', secret: 'ami-secret', initialBackoffMs: 50, maxBackoffMs: 400 } } },
          ],
        }),
      },
    });
    await rest('/api/v1/agents', { username: 'gs.binh', displayName: 'Giám sát Bình', role: 'supervisor', teams: [], password });
    await rest('/api/v1/agents', { username: 'dtv.an', displayName: 'Điện thoại viên An', role: 'agent', teams: ['tiep-nhan-chung'], password, extension: '101' });
    const asked = await rest<{ conversationId: number }>('/api/public/messages', { name: 'Nguyễn Thị Hoa', phone: '0918 222 333', text: 'Tôi muốn hỏi về hồ sơ đăng ký kết hôn', clientMessageId: 'pop-1' });
    openTicketCode = (await rest<{ code: string }>('/api/v1/tickets', { type: 'question', subject: 'Đăng ký kết hôn có yếu tố nước ngoài', conversationId: asked.conversationId })).code;
    await waitFor(() => pbx.connected === 1, 'the gateway on the AMI');
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await pbx?.close();
  });

  it('a call rings, the operator sees the caller and opens a ticket from the call', { timeout: 120_000 }, async () => {
    await page.goto(`${gw.url}/inbox`);
    await page.locator('input[name="login"]').fill('dtv.an');
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.locator('.topbar .me').waitFor();
    await page.waitForFunction(() => !document.querySelector('.banner.warn'));
    // The live feed is open once the agent's presence reached the server.
    await waitFor(async () => (await rest<Array<{ username: string; presence: string }>>('/api/v1/agents')).find((a) => a.username === 'dtv.an')?.presence === 'online', 'the operator online');

    const call = queueCallEvents({ linkedId: '1765091000.7', number: '0918222333', extension: '101', t0: Date.now() - 5000, answerAfter: 4, talk: 30 });
    for (const event of call.ringing) pbx.emit(event as AmiFields);
    const pop = page.getByRole('dialog', { name: 'Cuộc gọi đến' });
    await pop.waitFor();
    await expect(pop.locator('.caller .name').textContent()).resolves.toBe('Nguyễn Thị Hoa');
    await expect(pop.textContent()).resolves.toContain(openTicketCode);
    await expect(pop.textContent()).resolves.toContain('Cấp 1');
    await expect(pop.locator('.call-status').textContent()).resolves.toBe('Đang đổ chuông');
    for (const event of call.answered) pbx.emit(event as AmiFields);
    await pop.locator('.call-status', { hasText: 'Đang nói chuyện' }).waitFor();
    await shoot(page, 'screen-pop');

    await pop.getByRole('button', { name: 'Phiếu từ cuộc gọi' }).click();
    await page.waitForURL(/\/inbox\/tickets\/\d+$/);
    const ticketId = Number(/(\d+)$/.exec(page.url())![1]);
    const ticket = await rest<{ callId: number; channel: string; subject: string; contactId: number }>(`/api/v1/tickets/${ticketId}`);
    expect(ticket).toMatchObject({ channel: 'phone', subject: 'Cuộc gọi từ 0918222333' });
    expect(ticket.callId).toBeGreaterThan(0);
    await expect(page.getByRole('dialog', { name: 'Cuộc gọi đến' }).count()).resolves.toBe(0);
    expect(problems).toEqual([]);
  });

  it('the supervisor sees the wallboard and a caller who hung up in the queue among the missed calls', { timeout: 120_000 }, async () => {
    const t0 = Date.now() - 40_000;
    const caller = { Channel: 'PJSIP/trunk-vnpt-00000099', Uniqueid: '1765091001.9', Linkedid: '1765091001.9', CallerIDNum: '0977555444' };
    pbx.emit({ Event: 'Newchannel', Timestamp: (t0 / 1000).toFixed(6), ...caller, Exten: '1022', Context: 'from-trunk' });
    pbx.emit({ Event: 'QueueCallerAbandon', Timestamp: (t0 / 1000 + 35).toFixed(6), ...caller, Queue: '1022', HoldTime: '35' });
    pbx.emit({ Event: 'Hangup', Timestamp: (t0 / 1000 + 35).toFixed(6), ...caller, Cause: '16' });
    await page.locator('.topbar').getByRole('button', { name: 'Đăng xuất', exact: true }).click();
    await page.locator('input[name="login"]').fill('gs.binh');
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.locator('.topbar .me').waitFor();
    await page.goto(`${gw.url}/inbox/calls`);
    const board = page.getByRole('region', { name: 'Bảng theo dõi tổng đài' });
    await board.locator('td', { hasText: '0977555444' }).first().waitFor();
    await expect(board.locator('.figures').textContent()).resolves.toContain('2 gọi vào · 0 gọi ra');
    await board.getByRole('button', { name: 'Đã xử lý' }).click();
    await board.getByText('Không có cuộc gọi nhỡ.').waitFor();
    expect(problems).toEqual([]);
  });
});
