// What the customer-care browser tests share: a gateway whose SMS gateway is a local server that
// keeps the texts it was asked to send, the care team's two accounts, and a chromium page that
// records page errors and Content-Security-Policy refusals.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildInbox } from '../../scripts/build-inbox.ts';
import { startTestApp, type TestApp } from './app.ts';
import { launchBrowser } from './browser.ts';
import { testConfigFile } from './config.ts';
import { startSmsSink, type SmsSent } from './sms-sink.ts';

export const carePassword = 'Đồng-Tháp-sen-hồng-2026!';
export const outboundNumber = '0277 3 1022 00';

/** The one-stop system's export: header, then three good rows and (line 5) a bad phone number. */
export const exportHeader = 'Mã hồ sơ,Tên thủ tục,Lĩnh vực,Nơi tiếp nhận,Cấp,Đơn vị,Người nộp,Số điện thoại,Email,Ngày tiếp nhận,Ngày hẹn trả,Ngày trả kết quả,Trạng thái';
export const exportRows = [
  'H12.82-261001-0001,Cấp bản sao trích lục hộ tịch,Hộ tịch,Trung tâm Phục vụ hành chính công tỉnh,Tỉnh,Sở Tư pháp,Trần Văn Bình,0912 000 111,,01/10/2026,05/10/2026,05/10/2026 10:30,Đã trả kết quả',
  'H12.82-261002-0002,Cấp giấy phép xây dựng,Xây dựng,Trung tâm Phục vụ hành chính công tỉnh,Tỉnh,Sở Xây dựng,Nguyễn Thị Hoa,0912000222,,01/10/2026,15/10/2026,14/10/2026,Đã trả kết quả',
  'X01.82-261003-0003,Đăng ký khai sinh,Hộ tịch,Bộ phận một cửa phường Mỹ Tho,Xã,Phường Mỹ Tho,Lê Thị Cúc,0912000333,,02/10/2026,03/10/2026,03/10/2026,Đã trả kết quả',
  'X01.82-261004-0004,Chứng thực chữ ký,Chứng thực,Bộ phận một cửa phường Mỹ Tho,Xã,Phường Mỹ Tho,Phạm Văn Dũng,12345,,02/10/2026,03/10/2026,03/10/2026,Đã trả kết quả',
];

export interface CareBrowser {
  gw: TestApp;
  page: Page;
  /** What the SMS gateway was asked to send, in order. */
  texts: SmsSent[];
  /** Page errors and CSP refusals seen so far: a test ends expecting none. */
  problems: string[];
  /** The operator `dtv.hoa` (agent) and the supervisor `gs.binh`, by username. */
  agentIds: Record<'dtv.hoa' | 'gs.binh', number>;
  /** An admin REST call that must succeed; its JSON body. */
  rest<T>(path: string, body?: unknown, init?: { method?: string; type?: string }): Promise<T>;
  signIn(login: string): Promise<void>;
  signOut(): Promise<void>;
  close(): Promise<void>;
}

export async function startCareBrowser(): Promise<CareBrowser> {
  await buildInbox();
  const sms = await startSmsSink();
  const gw = await startTestApp({
    env: {
      SMS_GATEWAY_URL: sms.url,
      CONFIG_FILE: testConfigFile({ businessHours: undefined, router: { enabled: false }, security: { signInAttemptsPerMinute: 1000 }, care: { outboundNumber } }),
    },
  });

  const rest = async <T>(path: string, body?: unknown, init: { method?: string; type?: string } = {}): Promise<T> => {
    const res = await fetch(`${gw.url}${path}`, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers: { ...gw.auth, ...(body === undefined ? {} : { 'content-type': init.type ?? 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as T;
  };
  const agentIds = {} as CareBrowser['agentIds'];
  for (const [username, displayName, role] of [
    ['dtv.hoa', 'Điện thoại viên Hòa', 'agent'],
    ['gs.binh', 'Giám sát Bình', 'supervisor'],
  ] as const) {
    agentIds[username] = (await rest<{ id: number }>('/api/v1/agents', { username, displayName, role, teams: role === 'agent' ? ['tiep-nhan-chung'] : [], password: carePassword })).id;
  }

  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  // The inbox's CSP refuses inline styles and scripts: a screen relying on one shows up here.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  page.on('dialog', (dialog) => void dialog.dismiss());

  return {
    gw,
    page,
    texts: sms.texts,
    problems,
    agentIds,
    rest,
    async signIn(login) {
      await page.goto(`${gw.url}/inbox`);
      await page.locator('input[name="login"]').fill(login);
      await page.locator('input[name="password"]').fill(carePassword);
      await page.getByRole('button', { name: 'Đăng nhập' }).click();
      await page.locator('.topbar .me').waitFor();
    },
    async signOut() {
      await page.locator('.topbar').getByRole('button', { name: 'Đăng xuất', exact: true }).click();
      await page.locator('input[name="login"]').waitFor();
    },
    async close() {
      await browser.close();
      await gw.close();
      await sms.close();
    },
  };
}
