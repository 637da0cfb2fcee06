import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../../src/channels/webchat/types.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { openWidgetSocket as open, Visitor, widgetVisitor as visitor } from '../../helpers/widget-visitor.ts';

const reply = (gw: TestApp, conversationId: number, text: string) =>
  gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: gw.auth, payload: { text } });

describe('live chat socket', () => {
  let gw: TestApp;
  beforeAll(async () => {
    gw = await startTestApp({
      env: { CONFIG_FILE: testConfigFile({ inboxes: [{ key: 'webchat', channel: 'webchat', name: 'Trò chuyện', settings: { allowedOrigins: ['https://dongthap.gov.vn'], visitorMessagesPerMinute: 8, maxTextLength: 500 } }] }) },
    });
  });
  afterAll(() => gw.close());

  it('stores a visitor message once, opens a conversation and hands the visitor a token for it', async () => {
    const { v, welcome } = await visitor(gw);
    expect(welcome.conversationId).toBeNull();
    expect(welcome.token).toMatch(/^[A-Za-z0-9_-]{22}\.0\.[A-Za-z0-9_-]{32}$/);
    expect(typeof welcome.hours.open).toBe('boolean');
    v.send({ t: 'profile', name: 'Trần Minh Tâm', phone: '0912 345 678' });
    v.send({ t: 'msg', cid: 'c1', text: 'Cho hỏi làm lại giấy khai sinh ở đâu?' });
    v.send({ t: 'msg', cid: 'c1', text: 'Cho hỏi làm lại giấy khai sinh ở đâu?' });
    const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
    const acks = await Promise.all([v.waitFor((f) => f.t === 'ack' && f.cid === 'c1'), new Promise((resolve) => setTimeout(resolve, 300))]);
    const ack = acks[0] as Extract<ServerFrame, { t: 'ack' }>;
    const echo = await v.waitFor<Extract<ServerFrame, { t: 'msg' }>>((f) => f.t === 'msg' && f.m.id === ack.id);
    expect(echo.m).toMatchObject({ from: 'visitor', text: 'Cho hỏi làm lại giấy khai sinh ở đâu?', cid: 'c1' });
    expect(v.frames.filter((f) => f.t === 'ack').every((f) => f.t === 'ack' && f.id === ack.id)).toBe(true);

    const conversation = (await gw.app.inject({ url: `/api/v1/conversations/${session.conversationId}`, headers: gw.auth })).json();
    expect(conversation).toMatchObject({ channel: 'webchat', contactName: 'Trần Minh Tâm', contactPhone: null });
    const stored = (await gw.app.inject({ url: `/api/v1/conversations/${session.conversationId}/messages`, headers: gw.auth })).json().items;
    expect(stored.filter((m: { direction: string }) => m.direction === 'in')).toHaveLength(1);
    expect(stored[0].metadata).toMatchObject({ clientMessageId: 'c1', prechat: { name: 'Trần Minh Tâm', phone: '84912345678' } });

    // The agent's answer reaches the open socket.
    expect((await reply(gw, session.conversationId, 'Anh/chị đến UBND xã nơi đã đăng ký khai sinh.')).statusCode).toBe(201);
    const answer = await v.waitFor<Extract<ServerFrame, { t: 'msg' }>>((f) => f.t === 'msg' && f.m.text === 'Anh/chị đến UBND xã nơi đã đăng ký khai sinh.');
    expect(answer.m.from).toBe('agent');
    await v.close();
  });

  it('replays what a visitor missed while away, in order, each message once', async () => {
    const { v, welcome } = await visitor(gw);
    v.send({ t: 'msg', cid: 'first', text: 'Xin chào, tôi cần hỏi về hộ tịch' });
    const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
    expect(session.token).not.toBe(welcome.token);
    await gw.app.gateway.inbound.idle();
    await gw.app.gateway.outbox.drain();
    // Whatever the bot said has arrived; this is where the widget stands.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const seenBefore = v.messages();
    const lastId = Math.max(...seenBefore.map((m) => m.id));
    await v.close();

    for (const text of ['Trả lời 1', 'Trả lời 2', 'Trả lời 3']) expect((await reply(gw, session.conversationId, text)).statusCode).toBe(201);
    await gw.app.gateway.outbox.drain();

    const back = await visitor(gw, { token: session.token, lastId });
    expect(back.welcome.conversationId).toBe(session.conversationId);
    await back.v.waitFor((f) => f.t === 'msg' && f.m.text === 'Trả lời 3');
    // A fourth answer arrives live, after the replay.
    await reply(gw, session.conversationId, 'Trả lời 4');
    await back.v.waitFor((f) => f.t === 'msg' && f.m.text === 'Trả lời 4');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const replayed = back.v.messages();
    expect(replayed.map((m) => m.text)).toEqual(['Trả lời 1', 'Trả lời 2', 'Trả lời 3', 'Trả lời 4']);
    expect(replayed.map((m) => m.id)).toEqual([...replayed.map((m) => m.id)].sort((a, b) => a - b));

    // A fresh page (lastId 0) gets the whole conversation; another tab gets the live one too.
    const reload = await visitor(gw, { token: session.token });
    await reload.v.waitFor((f) => f.t === 'msg' && f.m.text === 'Trả lời 4');
    expect(reload.v.messages().map((m) => m.id)).toEqual([...seenBefore, ...replayed].map((m) => m.id));
    await reply(gw, session.conversationId, 'Trả lời 5');
    await Promise.all([back.v, reload.v].map((tab) => tab.waitFor((f) => f.t === 'msg' && f.m.text === 'Trả lời 5')));
    await back.v.close();
    await reload.v.close();
  });

  it('replays nothing of a conversation erased at the citizen\'s request', async () => {
    const { v } = await visitor(gw);
    v.send({ t: 'msg', cid: 'erase-me', text: 'Số căn cước của tôi là 087123456789' });
    const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
    await gw.app.gateway.inbound.idle();
    expect((await reply(gw, session.conversationId, 'Đã nhận thông tin của anh')).statusCode).toBe(201);
    await v.waitFor((f) => f.t === 'msg' && f.m.text === 'Đã nhận thông tin của anh');
    await v.close();
    const { contactId } = await gw.app.gateway.conversations.get(session.conversationId);
    const api = (url: string, payload: unknown) => gw.app.inject({ method: 'POST', url, headers: gw.auth, payload: payload as never });
    const request = (await api('/api/v1/privacy-requests', { kind: 'erasure', requesterName: 'Khách trò chuyện', receivedVia: 'webchat', contactId })).json() as { id: number };
    expect((await api(`/api/v1/privacy-requests/${request.id}/complete`, { outcome: 'done' })).statusCode).toBe(200);

    // The same browser comes back from the start: nothing of what was erased, not even empty bubbles.
    const back = await visitor(gw, { token: session.token });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(back.v.messages()).toEqual([]);
    await back.v.close();
  });

  it('marks answers read when the visitor has seen them', async () => {
    const { v } = await visitor(gw);
    v.send({ t: 'msg', cid: 'seen-1', text: 'Cho tôi gặp nhân viên' });
    const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
    await reply(gw, session.conversationId, 'Tôi nghe đây ạ.');
    // The widget shows the answer when it is committed and says "seen" at once, usually before
    // the outbox has marked it sent: the read mark must still land.
    const answer = await v.waitFor<Extract<ServerFrame, { t: 'msg' }>>((f) => f.t === 'msg' && f.m.text === 'Tôi nghe đây ạ.');
    v.send({ t: 'seen', id: answer.m.id });
    const status = async () =>
      (await gw.app.inject({ url: `/api/v1/conversations/${session.conversationId}/messages`, headers: gw.auth })).json().items.find((m: { id: number }) => m.id === answer.m.id).status;
    for (let i = 0; i < 50 && (await status()) !== 'read'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await status()).toBe('read');
    await v.close();
  });

  it('never lets a forged or altered token read another conversation', async () => {
    const owner = await visitor(gw);
    owner.v.send({ t: 'msg', cid: 'secret', text: 'Số CCCD của tôi là 087123456789' });
    const session = await owner.v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
    const [visitorId, , mac] = session.token.split('.');
    const forged = await visitor(gw, { token: `${visitorId}.${session.conversationId + 1}.${mac}` });
    expect(forged.welcome.conversationId).toBeNull();
    const other = await visitor(gw, { token: `AAAAAAAAAAAAAAAAAAAAAA.${session.conversationId}.${mac}` });
    expect(other.welcome.conversationId).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(forged.v.messages()).toEqual([]);
    expect(other.v.messages()).toEqual([]);
    await Promise.all([owner.v.close(), forged.v.close(), other.v.close()]);
  });

  it('limits message size and rate, and refuses frames before hello', async () => {
    const early = new Visitor(await open(gw));
    early.send({ t: 'msg', cid: 'x', text: 'chưa chào' });
    expect(await early.waitFor((f) => f.t === 'error')).toMatchObject({ code: 'session' });
    await early.close();

    const { v } = await visitor(gw);
    v.send({ t: 'msg', cid: 'long', text: 'a'.repeat(501) });
    expect(await v.waitFor((f) => f.t === 'error' && f.cid === 'long')).toMatchObject({ code: 'too_long', message: expect.stringContaining('500') });
    for (let i = 0; i < 10; i++) v.send({ t: 'msg', cid: `r${i}`, text: `tin ${i}` });
    const limited = await v.waitFor((f) => f.t === 'error' && f.code === 'rate_limited');
    expect(limited).toMatchObject({ message: expect.stringContaining('quá nhanh') });
    const acked = await v.waitFor((f) => f.t === 'ack' && f.cid === 'r7');
    expect(acked).toBeTruthy();
    expect(v.frames.some((f) => f.t === 'ack' && f.cid === 'r9')).toBe(false);
    v.ws.send(Buffer.alloc(70 * 1024, 97));
    expect((await v.closed).code).toBe(1009);
  });

  it('checks the Origin of the socket upgrade against the inbox allow-list', async () => {
    await expect(open(gw, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(open(gw, { origin: null })).rejects.toThrow('HTTP 403');
    const allowed = await open(gw, { origin: 'https://dongthap.gov.vn' });
    allowed.close();
  });

  it('serves the loader, the frame with its framing policy and the demo page', async () => {
    const loader = await fetch(`${gw.url}/widget.js`);
    expect(loader.headers.get('content-type')).toContain('javascript');
    const code = await loader.text();
    expect(code).not.toContain('__GW1022_CONFIG__');
    expect(code).toContain('1022 Đồng Tháp');
    const frame = await fetch(`${gw.url}/webchat/frame?host=${encodeURIComponent('https://dongthap.gov.vn')}&title=Hỏi%20đáp&color=%23004d40`);
    expect(frame.status).toBe(200);
    expect(frame.headers.get('content-security-policy')).toContain("frame-ancestors 'self' https://dongthap.gov.vn;");
    const html = await frame.text();
    expect(html).toContain('<html lang="vi">');
    expect(html).toContain('Hỏi đáp');
    // The colour reaches the frame's script (its style sheet is a file: no inline style allowed).
    expect(html).toContain('&quot;color&quot;:&quot;#004d40&quot;');
    expect(frame.headers.get('content-security-policy')).toContain("style-src 'self';");
    expect(html).not.toContain('<style');
    expect((await fetch(`${gw.url}/webchat/frame?host=${encodeURIComponent('https://evil.example')}`)).status).toBe(403);
    expect((await fetch(`${gw.url}/webchat/frame?host=x&color=red;}body{display:none`)).status).toBe(400);
    const demo = await (await fetch(`${gw.url}/demo`)).text();
    expect(demo).toContain('Cổng thông tin điện tử tỉnh Đồng Tháp');
    expect(demo).toContain('<script src="/widget.js" async></script>');
    // The citizen's download: loader and frame together stay far below 40 KB gzipped.
    const frameJs = await (await fetch(`${gw.url}/webchat/frame.js`)).text();
    expect(gzipSync(code).length + gzipSync(frameJs).length + gzipSync(html).length).toBeLessThan(40 * 1024);
  });

  it('takes a picture upload without its EXIF data and refuses other file types', async () => {
    const { v } = await visitor(gw);
    const token = (v.frames.find((f) => f.t === 'welcome') as Extract<ServerFrame, { t: 'welcome' }>).token;
    const segment = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
    const jpeg = Buffer.concat([
      Buffer.from([0xff, 0xd8]),
      segment(0xe1, Buffer.from('Exif\0\0GPSLatitude 10.29 N', 'latin1')),
      segment(0xdb, Buffer.alloc(65, 2)),
      segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
      Buffer.from([0x55, 0xff, 0xd9]),
    ]);
    const upload = (body: Buffer, type: string, name: string, headers: Record<string, string> = {}) =>
      fetch(`${gw.url}/webchat/upload?cid=up-${name.length}-${body.length}&name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { origin: gw.url, 'content-type': type, 'x-webchat-token': token, ...headers },
        body: new Uint8Array(body),
      });
    const ok = await upload(jpeg, 'image/jpeg', 'ảnh hồ sơ.jpg');
    expect(ok.status).toBe(201);
    const uploaded = (await ok.json()) as { id: number; conversationId: number; token: string };
    const shown = await v.waitFor<Extract<ServerFrame, { t: 'msg' }>>((f) => f.t === 'msg' && f.m.id === uploaded.id);
    expect(shown.m.attachments[0]).toMatchObject({ kind: 'image', name: 'ảnh hồ sơ.jpg', mimeType: 'image/jpeg' });
    const file = await fetch(`${gw.url}${shown.m.attachments[0]!.url}`);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(bytes.includes(Buffer.from('GPSLatitude'))).toBe(false);
    expect((await fetch(`${gw.url}${shown.m.attachments[0]!.url!.replace(/sig=.*/, 'sig=forged')}`)).status).toBe(404);

    const exe = await upload(Buffer.from('MZ\x90\0binary', 'latin1'), 'application/octet-stream', 'hoso.exe');
    expect(exe.status).toBe(415);
    expect(((await exe.json()) as { details: { messages: { vi: string } } }).details.messages.vi).toContain('Không gửi được tệp');
    expect((await upload(jpeg, 'image/jpeg', 'a.jpg', { origin: 'https://evil.example' })).status).toBe(403);
    expect((await upload(jpeg, 'image/jpeg', 'a.jpg', { 'x-webchat-token': 'nope' })).status).toBe(401);
    await v.close();
  });
});

describe('live chat outside office hours', () => {
  let gw: TestApp;
  beforeAll(async () => {
    const closed = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, []]));
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ businessHours: { weekly: { ...closed, mon: ['00:00-00:01'] }, holidayFiles: [] } }) } });
  });
  afterAll(() => gw.close());

  it('says when the hotline answers and still takes the message', async () => {
    const { v, welcome } = await visitor(gw);
    expect(welcome.hours.open).toBe(false);
    expect(welcome.hours.nextOpening).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(welcome.hours.notice).toMatch(/^Hiện ngoài giờ làm việc\. Tổng đài viên sẽ trả lời bạn từ .+\. Bạn vẫn có thể để lại tin nhắn\.$/);
    v.send({ t: 'msg', cid: 'night', text: 'Tôi gửi câu hỏi ngoài giờ' });
    const ack = await v.waitFor<Extract<ServerFrame, { t: 'ack' }>>((f) => f.t === 'ack');
    expect(ack.id).toBeGreaterThan(0);
    await v.close();
  });

  it('carries typing both ways between the widget and the agents\' inbox', async () => {
    const { v } = await visitor(gw);
    v.send({ t: 'msg', cid: 'ty1', text: 'Cho hỏi thủ tục tạm trú' });
    const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
    await v.waitFor((f) => f.t === 'ack' && f.cid === 'ty1');
    const heard: Array<{ conversationId: number; by: string }> = [];
    const off = gw.app.gateway.events.on('conversation.typing', (e) => heard.push(e));
    v.send({ t: 'typing', on: true });
    await expect.poll(() => heard).toEqual([{ conversationId: session.conversationId, by: 'contact' }]);
    off();
    gw.app.gateway.events.emit('conversation.typing', { conversationId: session.conversationId!, by: 'agent', agentId: 1 });
    await v.waitFor((f) => f.t === 'typing' && f.on === true);
    await v.close();
  });
});
