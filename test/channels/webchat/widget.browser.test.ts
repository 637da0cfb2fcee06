import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { chromiumAvailability, launchBrowser, type Browser } from '../../helpers/browser.ts';

const { available } = chromiumAvailability();

describe.skipIf(!available)('live chat widget in a browser', () => {
  let gw: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    gw = await startTestApp();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  const reply = (conversationId: number, text: string) =>
    gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: gw.auth, payload: { text } });

  it('chats from the demo page, keeps the history across a reload and loses nothing while offline', async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('response', (response) => response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`));
    await page.goto(`${gw.url}/demo`);
    await expect(page.title()).resolves.toBe('Cổng thông tin điện tử tỉnh Đồng Tháp');

    const launcher = page.locator('[data-gw1022] button.launcher');
    await launcher.click();
    const chat = page.frameLocator('[data-gw1022] iframe');
    await chat.locator('header strong').filter({ hasText: '1022 Đồng Tháp' }).waitFor();
    // The optional pre-chat form comes first.
    // A wrong phone is said under the phone field, read with it, and the field takes the focus.
    await chat.locator('#pc-name').fill('Nguyễn Văn An');
    await chat.locator('#pc-phone').fill('09123');
    await chat.locator('#prechat button[type=submit]').click();
    await expect(chat.locator('#pc-phone').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(chat.locator('#pc-name').getAttribute('aria-invalid')).resolves.toBeNull();
    await expect(chat.locator('#pc-phone-error').textContent()).resolves.toBe('Số điện thoại chưa đúng, ví dụ 0912 345 678.');
    await expect(chat.locator('#pc-phone').getAttribute('aria-describedby')).resolves.toBe('pc-phone-error');
    await expect(chat.locator('#pc-phone').evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await expect(chat.locator('#prechat').isVisible()).resolves.toBe(true);
    await chat.locator('#pc-phone').fill('0912345678');
    await chat.locator('#prechat button[type=submit]').click();
    await expect(chat.locator('#pc-phone-error').textContent()).resolves.toBe('');
    await chat.locator('#text').fill('Cho tôi hỏi thủ tục cấp lại giấy khai sinh?');
    await chat.locator('#text').press('Enter');
    const mine = chat.locator('.msg.visitor[data-id]');
    await mine.first().waitFor();
    expect(await mine.count()).toBe(1);

    const list = (await gw.app.inject({ url: '/api/v1/conversations?channel=webchat', headers: gw.auth })).json();
    const conversationId = list.items[0].id as number;
    const conversation = (await gw.app.inject({ url: `/api/v1/conversations/${conversationId}`, headers: gw.auth })).json();
    expect(conversation.contactName).toBe('Nguyễn Văn An');

    expect((await reply(conversationId, 'Chào anh An, anh nộp hồ sơ tại UBND xã nơi cư trú.')).statusCode).toBe(201);
    await chat.locator('.msg.agent', { hasText: 'Chào anh An, anh nộp hồ sơ tại UBND xã nơi cư trú.' }).waitFor();
    await page.screenshot({ path: 'test-results/webchat-demo.png' });

    // A reload keeps the conversation: the token is in the frame's storage, the history replays.
    await page.reload();
    await page.locator('[data-gw1022] button.launcher').click();
    const again = page.frameLocator('[data-gw1022] iframe');
    await again.locator('.msg.agent', { hasText: 'Chào anh An' }).waitFor();
    await expect(again.locator('.msg.visitor', { hasText: 'Cho tôi hỏi thủ tục cấp lại giấy khai sinh?' }).count()).resolves.toBe(1);
    await expect(again.locator('#prechat').isHidden()).resolves.toBe(true);

    // The connection drops while the agent answers three times.
    await page.context().setOffline(true);
    await again.locator('#status', { hasText: 'Mất kết nối' }).waitFor();
    for (const n of [1, 2, 3]) expect((await reply(conversationId, `Bổ sung ${n}: mang theo CCCD.`)).statusCode).toBe(201);
    await gw.app.gateway.outbox.drain();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(again.locator('.msg', { hasText: 'Bổ sung 1' }).count()).resolves.toBe(0);
    await page.context().setOffline(false);
    await again.locator('.msg.agent', { hasText: 'Bổ sung 3' }).waitFor({ timeout: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const n of [1, 2, 3]) await expect(again.locator('.msg.agent', { hasText: `Bổ sung ${n}:` }).count()).resolves.toBe(1);

    // Exactly what the store holds for the citizen, in order, each once.
    const ids = await again.locator('.msg[data-id]').evaluateAll((nodes) => nodes.map((node) => Number((node as HTMLElement).dataset.id)));
    const stored = (await gw.app.inject({ url: `/api/v1/conversations/${conversationId}/messages`, headers: gw.auth })).json().items;
    const citizenView = stored.filter((m: { direction: string }) => m.direction === 'in' || m.direction === 'out').map((m: { id: number }) => m.id);
    expect(ids).toEqual(citizenView);
    await page.screenshot({ path: 'test-results/webchat-after-offline.png' });
    expect(problems).toEqual([]);
  });
});
