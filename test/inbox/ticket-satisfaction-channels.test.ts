// The rating question after an answered ticket, on the citizen's own channel: Zalo query
// buttons and Messenger quick replies go out with the answer; the citizen's tap comes back
// through the signed webhook and is recorded once, thanked, and never answered by the bot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import type { ServerFrame } from '../../src/channels/webchat/types.ts';
import { widgetVisitor } from '../helpers/widget-visitor.ts';
import { graphIds, messengerEnv, postMessengerBatch, postZaloEvent, quiet, startPlatformStandin, waitFor, zaloEnv, zaloIds, type PlatformStandin } from '../helpers/platform-standins.ts';

describe('satisfaction buttons on Zalo, Messenger and the live-chat widget', () => {
  let gw: TestApp;
  let standin: PlatformStandin;

  const api = async (path: string, body?: unknown) => {
    const res = await fetch(`${gw.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { ...gw.auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const conversationWith = async (channel: string) => {
    const list = (await api(`/api/v1/conversations?channel=${channel}&limit=5`)) as { items: Array<{ id: number }> };
    return list.items[0]!.id;
  };
  const answered = async (conversationId: number) => {
    const ticket = await api('/api/v1/tickets', { type: 'question', subject: 'Đổi giấy phép lái xe', conversationId });
    await api(`/api/v1/tickets/${ticket.id}/actions`, { action: 'answer', comment: 'Nộp hồ sơ trực tuyến trên Cổng dịch vụ công.' });
    await quiet(gw);
    return ticket.id as number;
  };
  const messagesOf = async (conversationId: number) => ((await api(`/api/v1/conversations/${conversationId}/messages?limit=100`)) as { items: Array<{ direction: string; senderType: string; text: string | null }> }).items;

  beforeAll(async () => {
    standin = await startPlatformStandin();
    gw = await startTestApp({ env: { ...zaloEnv(standin), ...messengerEnv(standin) } });
  });
  afterAll(async () => {
    await gw?.close();
    await standin?.close();
  });

  it('Zalo: the answer carries hidden query buttons; the tap is the vote', async () => {
    const question = { app_id: zaloIds.appId, user_id_by_app: 'u-app-1', event_name: 'user_send_text', timestamp: String(Date.now()), sender: { id: 'zalo-citizen-1' }, recipient: { id: zaloIds.oaId }, message: { text: 'Đổi giấy phép lái xe ở đâu?', msg_id: 'zq-1' } };
    expect((await postZaloEvent(gw, question)).status).toBe(200);
    await quiet(gw);
    const conversationId = await conversationWith('zalo-oa');
    const ticketId = await answered(conversationId);

    const asked = standin.zalo.sends.find((s) => (s.message as { attachment?: unknown }).attachment !== undefined && s.userId === 'zalo-citizen-1')!;
    const buttons = (asked.message as { attachment: { type: string; payload: { buttons: Array<{ title: string; type: string; payload: string }> } } }).attachment.payload.buttons;
    expect(buttons.map((b) => [b.title, b.type])).toEqual([
      ['Hài lòng', 'oa.query.hide'],
      ['Không hài lòng', 'oa.query.hide'],
    ]);
    expect((asked.message as { text: string }).text).toContain('/danh-gia/');

    const botAnswersBefore = (await messagesOf(conversationId)).filter((m) => m.senderType === 'bot').length;
    // Zalo sends the hidden payload back as the citizen's text; Zalo retries it once.
    const tap = { ...question, timestamp: String(Date.now()), message: { text: buttons[0]!.payload, msg_id: 'zq-tap-1' } };
    expect((await postZaloEvent(gw, tap)).status).toBe(200);
    expect((await postZaloEvent(gw, tap)).status).toBe(200);
    await waitFor(async () => (await api(`/api/v1/tickets/${ticketId}`)).satisfaction === 'satisfied', 'the Zalo vote to be recorded');
    await waitFor(async () => (await messagesOf(conversationId)).some((m) => m.text?.includes('Cảm ơn Ông/Bà đã đánh giá')), 'the thanks to be queued');
    await quiet(gw);
    const after = await messagesOf(conversationId);
    expect(after.filter((m) => m.senderType === 'bot')).toHaveLength(botAnswersBefore);
    expect(after.filter((m) => m.direction === 'out' && m.text?.includes('Cảm ơn Ông/Bà đã đánh giá'))).toHaveLength(1);
  });

  it('Messenger: quick replies; the tap comes back with its payload', async () => {
    const batch = (mid: string, message: Record<string, unknown>) => ({ object: 'page', entry: [{ id: graphIds.pageId, time: Date.now(), messaging: [{ sender: { id: 'psid-vote-1' }, recipient: { id: graphIds.pageId }, timestamp: Date.now(), message: { mid, ...message } }] }] });
    expect((await postMessengerBatch(gw, batch('m_q_1', { text: 'Cho hỏi cấp đổi căn cước' }))).status).toBe(200);
    await quiet(gw);
    const conversationId = await conversationWith('messenger');
    const ticketId = await answered(conversationId);

    const asked = standin.graph.sends.find((s) => s.psid === 'psid-vote-1' && (s.body.message as { quick_replies?: unknown }).quick_replies)!;
    const replies = (asked.body.message as { quick_replies: Array<{ content_type: string; title: string; payload: string }> }).quick_replies;
    expect(replies.map((q) => q.title)).toEqual(['Hài lòng', 'Không hài lòng']);
    expect((await postMessengerBatch(gw, batch('m_q_tap', { text: replies[1]!.title, quick_reply: { payload: replies[1]!.payload } }))).status).toBe(200);
    await waitFor(async () => (await api(`/api/v1/tickets/${ticketId}`)).satisfaction === 'not_satisfied', 'the Messenger vote to be recorded');
    // A second tap on the other button later changes nothing: the first rating counts.
    expect((await postMessengerBatch(gw, batch('m_q_tap_2', { text: replies[0]!.title, quick_reply: { payload: replies[0]!.payload } }))).status).toBe(200);
    await waitFor(async () => (await messagesOf(conversationId)).some((m) => m.text?.includes('đã được đánh giá trước đó')), 'the second tap to be answered');
    await quiet(gw);
    expect((await api(`/api/v1/tickets/${ticketId}`)).satisfaction).toBe('not_satisfied');
    const texts = (await messagesOf(conversationId)).filter((m) => m.direction === 'out').map((m) => m.text ?? '');
    expect(texts.filter((t) => t.includes('đã được đánh giá trước đó'))).toHaveLength(1);
  });
  it('widget: buttons under the question; a tap sends the payload with the title', async () => {
    const { v } = await widgetVisitor(gw);
    v.send({ t: 'msg', cid: 'q-widget-1', text: 'Xin hỏi thủ tục cấp lại giấy khai sinh bị mất?' });
    const ack = await v.waitFor<Extract<ServerFrame, { t: 'ack' }>>((f) => f.t === 'ack');
    await quiet(gw);
    const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
    expect(ack.id).toBeGreaterThan(0);
    const ticketId = await answered(session.conversationId);

    const question = await v.waitFor<Extract<ServerFrame, { t: 'msg' }>>((f) => f.t === 'msg' && f.m.choices !== undefined);
    expect(question.m.choices!.map((c) => c.title)).toEqual(['Hài lòng', 'Không hài lòng']);
    // What the frame sends when the visitor taps "Hài lòng" (web/widget/src/frame.ts).
    const [satisfied] = question.m.choices!;
    v.send({ t: 'msg', cid: 'tap-widget-1', text: satisfied!.title, payload: satisfied!.payload });
    await waitFor(async () => (await api(`/api/v1/tickets/${ticketId}`)).satisfaction === 'satisfied', 'the widget vote to be recorded');
    await v.waitFor((f) => f.t === 'msg' && ((f as { m: { text: string | null } }).m.text ?? '').includes('Cảm ơn Ông/Bà đã đánh giá'));
    // A forged payload is just a message: nothing is rated.
    v.send({ t: 'msg', cid: 'tap-widget-forged', text: 'Không hài lòng', payload: `vote:${ticketId}.AAAAAAAAAAAAAAAAAAAAAA:not_satisfied` });
    await v.waitFor((f) => f.t === 'ack' && (f as { cid: string }).cid === 'tap-widget-forged');
    await quiet(gw);
    expect((await api(`/api/v1/tickets/${ticketId}`)).satisfaction).toBe('satisfied');
    await v.close();
  });
});
