import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const post = (app: TestApp, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/api/public/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('web form channel', () => {
  let gw: TestApp;
  beforeAll(async () => {
    gw = await startTestApp();
  });
  afterAll(() => gw.close());

  it('accepts a citizen message with 202 after storing it', async () => {
    const res = await post(gw, { name: 'Trần Thị B', phone: '0912 345 678', text: 'Cho hỏi làm căn cước cho con ở đâu?', dossierCode: 'H82.01-261120-0001', unit: 'Phường Mỹ Tho' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { conversationId: number; messageId: number; threadToken: string };
    const conversation = await gw.app.inject({ url: `/api/v1/conversations/${body.conversationId}`, headers: gw.auth });
    expect(conversation.json()).toMatchObject({ id: body.conversationId, channel: 'webform', status: 'open', contactName: 'Trần Thị B', contactPhone: '84912345678' });
    const messages = await gw.app.inject({ url: `/api/v1/conversations/${body.conversationId}/messages`, headers: gw.auth });
    expect(messages.json().items[0]).toEqual(
      expect.objectContaining({ id: body.messageId, direction: 'in', text: 'Cho hỏi làm căn cước cho con ở đâu?', metadata: { source: 'web', dossierCode: 'H82.01-261120-0001', unit: 'Phường Mỹ Tho' } }),
    );
  });

  it('stores a retried submit with the same client message id once', async () => {
    const body = { name: 'Lê Văn C', email: 'Le.Van.C@Example.vn', text: 'Hỏi về đăng ký kết hôn', clientMessageId: 'retry-1' };
    const responses = await Promise.all([post(gw, body), post(gw, body), post(gw, body)]);
    const results = (await Promise.all(responses.map((r) => r.json()))) as Array<{ messageId: number; duplicate: boolean }>;
    expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    // Another citizen using the same client id is a different message.
    const other = (await (await post(gw, { ...body, email: 'other@example.vn' })).json()) as { messageId: number };
    expect(other.messageId).not.toBe(results[0]!.messageId);
  });

  it('explains every bad field in Vietnamese and English', async () => {
    const res = await post(gw, { name: 'A', phone: '12345', email: 'not-an-email', text: '' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { fields: Array<{ field: string; message: { vi: string; en: string } }> };
    const fields = Object.fromEntries(body.fields.map((f) => [f.field, f.message]));
    expect(Object.keys(fields).sort()).toEqual(['email', 'text']);
    expect(fields.email!.vi).toBe('Địa chỉ email không hợp lệ.');
    expect(fields.email!.en).toBe('The email address is not valid.');

    const noContact = await post(gw, { name: 'A', text: 'xin chào' });
    expect(noContact.status).toBe(400);
    expect(((await noContact.json()) as { fields: Array<{ field: string }> }).fields.map((f) => f.field)).toEqual(['contact']);

    const badPhone = await post(gw, { name: 'A', phone: '12345', text: 'xin chào' });
    const badPhoneBody = (await badPhone.json()) as { fields: Array<{ field: string; message: { vi: string } }> };
    expect(badPhoneBody.fields).toEqual([expect.objectContaining({ field: 'phone', message: expect.objectContaining({ vi: expect.stringContaining('Số điện thoại') }) })]);

    const extra = await post(gw, { name: 'A', phone: '0912345678', text: 'x', admin: true });
    expect(extra.status).toBe(400);
    const badJson = await fetch(`${gw.url}/api/public/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' });
    expect(badJson.status).toBe(400);
  });

  it('lets the citizen read the answer in their thread, never the internal notes', async () => {
    const sent = (await (await post(gw, { name: 'Phạm D', phone: '0987654321', text: 'Hồ sơ của tôi đến đâu rồi?' })).json()) as { conversationId: number; threadToken: string };
    const reply = await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${sent.conversationId}/messages`, headers: gw.auth, payload: { text: 'Hồ sơ đang được xử lý, dự kiến trả ngày 25/11.' } });
    expect(reply.statusCode).toBe(201);
    const note = await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${sent.conversationId}/messages`, headers: gw.auth, payload: { text: 'ghi chú nội bộ', private: true } });
    expect(note.statusCode).toBe(201);
    await gw.app.gateway.outbox.drain();

    const thread = await fetch(`${gw.url}/api/public/conversations/${sent.conversationId}/messages?token=${sent.threadToken}`);
    expect(thread.status).toBe(200);
    const { messages } = (await thread.json()) as { messages: Array<{ from: string; text: string }> };
    expect(messages[0]).toMatchObject({ from: 'citizen', text: 'Hồ sơ của tôi đến đâu rồi?' });
    // The hotline's side: the bot's first answer (if it had one) and the agent's reply, never the note.
    expect(messages.filter((m) => m.from === 'hotline').map((m) => m.text)).toContain('Hồ sơ đang được xử lý, dự kiến trả ngày 25/11.');
    expect(messages.map((m) => m.text)).not.toContain('ghi chú nội bộ');
    const replyRow = (await gw.app.inject({ url: `/api/v1/conversations/${sent.conversationId}/messages`, headers: gw.auth })).json().items.find((m: { text: string }) => m.text.startsWith('Hồ sơ đang'));
    expect(replyRow.status).toBe('sent');

    const forged = await fetch(`${gw.url}/api/public/conversations/${sent.conversationId}/messages?token=${'x'.repeat(32)}`);
    expect(forged.status).toBe(404);
    const otherConversation = await fetch(`${gw.url}/api/public/conversations/${sent.conversationId + 1}/messages?token=${sent.threadToken}`);
    expect(otherConversation.status).toBe(404);
  });

  it('never lets a stranger who types a citizen\'s phone into that citizen\'s thread', async () => {
    const citizen = (await (await post(gw, { name: 'Nguyễn Thị Thật', phone: '0933111222', text: 'Hồ sơ đất của tôi số H82-1' })).json()) as { conversationId: number; visitorKey: string };
    await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${citizen.conversationId}/messages`, headers: gw.auth, payload: { text: 'Hồ sơ của chị đã có kết quả.' } });
    const stranger = (await (await post(gw, { name: 'Kẻ lạ', phone: '0933 111 222', text: 'cho xem hồ sơ' })).json()) as { conversationId: number; threadToken: string };
    expect(stranger.conversationId).not.toBe(citizen.conversationId);
    const seen = (await (await fetch(`${gw.url}/api/public/conversations/${stranger.conversationId}/messages?token=${stranger.threadToken}`)).json()) as { messages: Array<{ text: string }> };
    const texts = seen.messages.map((m) => m.text);
    expect(texts).not.toContain('Hồ sơ đất của tôi số H82-1');
    expect(texts).not.toContain('Hồ sơ của chị đã có kết quả.');
    // The citizen's own next message, with the key the first answer gave, continues the thread.
    const again = (await (await post(gw, { name: 'Nguyễn Thị Thật', phone: '0933111222', text: 'Cảm ơn', visitorKey: citizen.visitorKey })).json()) as { conversationId: number };
    expect(again.conversationId).toBe(citizen.conversationId);
    // Agents still see both under their own contacts, to merge by hand if they are one person.
    const contacts = await gw.app.gateway.store.db.select().from(gw.app.gateway.store.t.contacts);
    expect(contacts.filter((c) => c.phone === '84933111222')).toHaveLength(2);
  });

  it('serves the public form page in Vietnamese', async () => {
    const res = await fetch(`${gw.url}/gui-cau-hoi`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="vi">');
    expect(html).toContain('Gửi câu hỏi đến 1022 Đồng Tháp');
    const script = await fetch(`${gw.url}/assets/webform.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
    // Read to the end: an unread (now compressed, streamed) body keeps the server's shutdown waiting.
    expect((await script.text()).length).toBeGreaterThan(1000);
  });
});

describe('web form rate limit', () => {
  let gw: TestApp;
  beforeAll(async () => {
    gw = await startTestApp({ env: { PUBLIC_RATE_LIMIT: '3' } });
  });
  afterAll(() => gw.close());

  it('answers 429 past PUBLIC_RATE_LIMIT requests a minute from one address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(gw, { name: 'A', phone: '0912345678', text: `câu ${i}` })).status);
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    const limited = (await (await post(gw, { name: 'A', phone: '0912345678', text: 'nữa' })).json()) as { details: { messages: { vi: string } } };
    expect(limited.details.messages.vi).toContain('Vui lòng thử lại sau');
  });
});
