// Files both ways on the screen, in chromium: a citizen sends a photo from the website's chat, the
// agent sees its preview and enlarges it, drags a PDF into the reply box, watches it upload and
// sends it; the reply shows the file, and the citizen's widget receives a link that downloads it.
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../src/channels/webchat/types.ts';
import { buildInbox } from '../../scripts/build-inbox.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { chromiumAvailability, launchBrowser, type Browser } from '../helpers/browser.ts';
import { testConfigFile } from '../helpers/config.ts';
import { widgetVisitor } from '../helpers/widget-visitor.ts';
import { pdf } from '../helpers/files.ts';

const password = 'Đồng-Tháp-sen-hồng-2026!';
const { available } = chromiumAvailability();

/** A picture of a paper form (a real PNG the browser decodes), as a phone would send it. */
function photo(): Buffer {
  const png = new PNG({ width: 320, height: 220 });
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      const line = y % 24 < 2 && x > 30 && x < 290;
      const stamp = (x - 250) ** 2 + (y - 170) ** 2 < 900;
      png.data[i] = stamp ? 200 : line ? 60 : 250;
      png.data[i + 1] = stamp ? 30 : line ? 60 : 247;
      png.data[i + 2] = stamp ? 30 : line ? 70 : 235;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

describe.skipIf(!available)('files both ways in the inbox', () => {
  let gw: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await buildInbox();
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ security: { mfaRequiredForAdmins: false, signInAttemptsPerMinute: 1000 }, router: { enabled: false } }) } });
    const created = await gw.app.inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username: 'gs.tep', displayName: 'Phạm Giám Sát', role: 'supervisor', teams: [], password } });
    expect(created.statusCode, created.body).toBe(201);
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('shows the citizen’s photo, sends a dragged PDF with progress, and the widget visitor gets the file', async () => {
    const { v, welcome } = await widgetVisitor(gw);
    const picture = photo();
    const sent = await fetch(`${gw.url}/webchat/upload?cid=photo-1&name=${encodeURIComponent('giấy hẹn trả kết quả.png')}`, {
      method: 'POST',
      headers: { origin: gw.url, 'content-type': 'image/png', 'x-webchat-token': welcome.token },
      body: new Uint8Array(picture),
    });
    expect(sent.status).toBe(201);
    const { conversationId } = (await sent.json()) as { conversationId: number };
    await gw.app.inject({ method: 'PATCH', url: `/api/v1/conversations/${conversationId}`, headers: gw.auth, payload: { handler: 'human' } });

    await page.goto(`${gw.url}/inbox`);
    await page.locator('input[name="login"]').fill('gs.tep');
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.locator('.topbar .me').waitFor();
    await page.goto(`${gw.url}/inbox/c/${conversationId}`);

    // The citizen's photo is a preview the browser really decoded; a click enlarges it.
    const preview = page.locator('.message.in .file.image img');
    await preview.waitFor();
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(320);
    await page.getByRole('button', { name: 'Phóng to ảnh giấy hẹn trả kết quả.png' }).click();
    await page.locator('.lightbox img').waitFor();
    await page.getByRole('button', { name: 'Đóng' }).click();
    await expect.poll(() => page.locator('.lightbox').count()).toBe(0);

    // The agent drags a PDF from the desktop into the reply box.
    const form = pdf('Mau to khai', 200_000);
    const transfer = await page.evaluateHandle((bytes: number[]) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'mẫu tờ khai.pdf', { type: 'application/pdf' }));
      return data;
    }, [...form]);
    const composer = page.locator('form.composer');
    await composer.dispatchEvent('dragover', { dataTransfer: transfer });
    await page.getByText('Thả tệp vào đây để đính kèm').waitFor();
    await composer.dispatchEvent('drop', { dataTransfer: transfer });
    await page.locator('.reply-files li.ready', { hasText: 'mẫu tờ khai.pdf' }).waitFor();
    await page.getByRole('textbox', { name: 'Nhập câu trả lời cho công dân (Ctrl+Enter để gửi)' }).fill('Anh/chị điền mẫu tờ khai này rồi gửi lại giúp em.');
    await page.getByRole('button', { name: 'Gửi', exact: true }).click();

    const shown = page.locator('.message.out .file.document', { hasText: 'mẫu tờ khai.pdf' });
    await shown.waitFor();
    await expect(shown.locator('.file-icon').textContent()).resolves.toBe('PDF');
    await expect(page.locator('.reply-files li').count()).resolves.toBe(0);
    const href = await shown.locator('a').first().getAttribute('href');
    const download = await page.evaluate(async (url) => {
      const response = await fetch(url!);
      return { status: response.status, disposition: response.headers.get('content-disposition'), size: (await response.arrayBuffer()).byteLength };
    }, href);
    expect(download).toMatchObject({ status: 200, size: form.length });
    expect(download.disposition).toMatch(/^attachment; filename="mau to khai\.pdf"/);
    if (process.env.SCREENSHOTS === '1') {
      await page.setViewportSize({ width: 1280, height: 1000 });
      await shown.scrollIntoViewIfNeeded();
      await page.screenshot({ path: 'docs/screenshots/conversation-files.png' });
    }

    // The citizen's widget receives the reply with a link to the file.
    const reply = await v.waitFor<Extract<ServerFrame, { t: 'msg' }>>((f) => f.t === 'msg' && f.m.from === 'agent' && f.m.attachments.length > 0);
    expect(reply.m.attachments[0]).toMatchObject({ kind: 'file', name: 'mẫu tờ khai.pdf', mimeType: 'application/pdf' });
    const file = await fetch(`${gw.url}${reply.m.attachments[0]!.url}`);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(form);
    await v.close();
  });
});
