// The phone line as an operator lives it, in chromium: a citizen's call rings at the operator's
// extension on a stand-in Asterisk, the caller's card pops up with their open ticket, and one
// click opens a new ticket from the call. After a call the operator writes its note and plays its
// recording, which the browser loads from the gateway (never from the switchboard).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { and, eq } from 'drizzle-orm';
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

/** One second of a 440 Hz tone, 8 kHz 16-bit mono PCM: a real WAV file a browser can decode. */
function toneWav(): Buffer {
  const rate = 8000;
  const data = Buffer.alloc(rate * 2);
  for (let i = 0; i < rate; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** The switchboard's recordings folder over HTTP, as a web server over Asterisk's monitor folder serves it (ranges too). */
async function startRecordingServer() {
  const wav = toneWav();
  const requests: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    if (!/^\/monitor\/[\d.]+\.wav$/.test(req.url ?? '')) return void res.writeHead(404).end();
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), wav.length - 1) : wav.length - 1;
      res.writeHead(206, { 'content-type': 'audio/wav', 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${wav.length}`, 'accept-ranges': 'bytes' });
      return void res.end(wav.subarray(start, end + 1));
    }
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length, 'accept-ranges': 'bytes' });
    res.end(wav);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe.skipIf(!available)('the screen pop in the browser', () => {
  let gw: TestApp;
  let recordings: Awaited<ReturnType<typeof startRecordingServer>>;
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
    recordings = await startRecordingServer();
    gw = await startTestApp({
      env: {
        CONFIG_FILE: testConfigFile({
          businessHours: undefined,
          router: { enabled: false },
          security: { signInAttemptsPerMinute: 1000 },
          inboxes: [
            { key: 'webform', channel: 'webform', name: 'Biểu mẫu web', settings: {} },
            { key: 'tong-dai', channel: 'switchboard', name: 'Tổng đài 1022', settings: { ami: { host: '127.0.0.1', port: pbx.port, username: 'gateway', secret: 'ami-secret', initialBackoffMs: 50, maxBackoffMs: 400, recordingUrlTemplate: `http://127.0.0.1:${recordings.port}/monitor/{linkedid}.wav` } } },
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
    await recordings?.close();
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

  it('after the call the operator writes its note and plays its recording through the gateway; both are in the calls list after a reload', { timeout: 120_000 }, async () => {
    const call = queueCallEvents({ linkedId: '1765091002.3', number: '0918222333', extension: '101', t0: Date.now() - 60_000, answerAfter: 5, talk: 40 });
    for (const event of call.ringing) pbx.emit(event as AmiFields);
    const pop = page.getByRole('dialog', { name: 'Cuộc gọi đến' });
    await pop.locator('.call-status', { hasText: 'Đang đổ chuông' }).waitFor();
    for (const event of call.answered) pbx.emit(event as AmiFields);
    await pop.locator('.call-status', { hasText: 'Đang nói chuyện' }).waitFor();
    // No note or player while the call is on.
    await expect(pop.locator('textarea[name="call-note"]').count()).resolves.toBe(0);
    for (const event of call.ended) pbx.emit(event as AmiFields);
    await pop.locator('.call-status', { hasText: 'Đã kết thúc' }).waitFor();
    const { t, db } = gw.app.gateway.store;
    const [{ id: callId } = { id: 0 }] = await db.select({ id: t.calls.id }).from(t.calls).where(eq(t.calls.externalId, '1765091002.3'));
    expect(callId).toBeGreaterThan(0);

    await pop.getByLabel('Ghi chú cuộc gọi').fill('Công dân hẹn gửi bổ sung giấy khai sinh bản sao');
    await pop.getByRole('button', { name: 'Lưu ghi chú' }).click();
    await pop.getByText('Đã lưu ghi chú.').waitFor();
    const stored = await rest<{ call: { id: number; notes: string | null; hasRecording: boolean } }>(`/api/v1/calls/${callId}`);
    expect(stored.call).toMatchObject({ id: callId, notes: 'Công dân hẹn gửi bổ sung giấy khai sinh bản sao', hasRecording: true });

    const before = recordings.requests.length;
    const gatewayAnswers: Array<{ url: string; status: number; type: string | null }> = [];
    page.on('response', (res) => {
      if (res.url().includes('/recording')) gatewayAnswers.push({ url: res.url(), status: res.status(), type: res.headers()['content-type'] ?? null });
    });
    await pop.getByRole('button', { name: 'Nghe ghi âm' }).click();
    const audio = pop.locator('audio.recording');
    await audio.waitFor();
    // The browser loaded and decoded the recording: metadata at least, one second long.
    await page.waitForFunction(() => ((document.querySelector('.screen-pop audio.recording') as HTMLAudioElement | null)?.readyState ?? 0) >= 1, undefined, { timeout: 15_000 });
    const media = await audio.evaluate((el: HTMLAudioElement) => ({ src: el.currentSrc, duration: el.duration, error: el.error?.code ?? null }));
    expect(media.error).toBeNull();
    expect(media.src).toBe(`${gw.url}/api/v1/calls/${callId}/recording`);
    expect(media.duration).toBeCloseTo(1, 1);
    await shoot(page, 'screen-pop-after-call');
    // From the gateway, as audio; the gateway (not the browser: no session cookie) fetched the switchboard's file.
    expect(gatewayAnswers.length).toBeGreaterThan(0);
    expect(gatewayAnswers.every((answer) => answer.url === media.src && [200, 206].includes(answer.status) && /^audio\//.test(answer.type ?? ''))).toBe(true);
    const fetched = recordings.requests.slice(before);
    expect(fetched.map((r) => r.url)).toContain('/monitor/1765091002.3.wav');
    expect(fetched.every((r) => r.headers.cookie === undefined)).toBe(true);
    const played = await db.select({ actor: t.auditEvents.actor }).from(t.auditEvents).where(and(eq(t.auditEvents.action, 'call.recording.played'), eq(t.auditEvents.subjectId, String(callId))));
    expect(played.length).toBeGreaterThan(0);

    // A call logged by hand has no recording.
    await rest('/api/v1/calls', { direction: 'out', number: '0918222333', durationSeconds: 30 });

    // After a reload the note is on the call in the calls list, where it can be corrected.
    await page.reload();
    await page.locator('.topbar .me').waitFor();
    await page.goto(`${gw.url}/inbox/calls`);
    const row = page.locator(`tr[data-call-id="${callId}"]`);
    await expect(row.locator('.call-notes .text').textContent()).resolves.toBe('Công dân hẹn gửi bổ sung giấy khai sinh bản sao');
    await expect(page.locator('tr[data-call-id]').first().locator('.recording-none').textContent()).resolves.toBe('Không có ghi âm');
    await row.getByRole('button', { name: 'Sửa ghi chú' }).click();
    await row.getByLabel('Ghi chú cuộc gọi').fill('Đã gửi bổ sung giấy khai sinh');
    await row.getByRole('button', { name: 'Lưu ghi chú' }).click();
    await expect(row.locator('.call-notes .text').textContent()).resolves.toBe('Đã gửi bổ sung giấy khai sinh');
    expect((await rest<{ call: { notes: string } }>(`/api/v1/calls/${callId}`)).call.notes).toBe('Đã gửi bổ sung giấy khai sinh');
    // The list's player loads from the gateway too.
    await row.getByRole('button', { name: 'Nghe ghi âm' }).click();
    await page.waitForFunction((id) => ((document.querySelector(`tr[data-call-id="${id}"] audio.recording`) as HTMLAudioElement | null)?.readyState ?? 0) >= 1, callId, { timeout: 15_000 });
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
    // The call with a ticket, the call with a note, the caller who hung up; the call logged by hand went out.
    await expect(board.locator('.figures').textContent()).resolves.toContain('3 gọi vào · 1 gọi ra');
    await board.getByRole('button', { name: 'Đã xử lý' }).click();
    await board.getByText('Không có cuộc gọi nhỡ.').waitFor();
    expect(problems).toEqual([]);
  });
});
