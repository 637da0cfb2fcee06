import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { startSmsSink, type SmsSink } from '../../helpers/sms-sink.ts';
import { conversationOf, fixture, postZaloEvent, startPlatformStandin, waitFor, zaloEnv, zaloIds, type PlatformStandin } from '../../helpers/platform-standins.ts';

// A ticket taken on the phone has no conversation to carry its answer: the citizen hears of it
// as a ZNS template at the stand-in of business.openapi.zalo.me (the template configured for
// ticket answers, filled with the code, a summary and the rating link), or, when their number is
// not on Zalo, by SMS; the ticket's history says which way it went and what failed before.

describe('ticket answers by ZNS, else SMS', () => {
  let gw: TestApp;
  let standin: PlatformStandin;
  let sms: SmsSink;

  const api = async <T = Record<string, unknown>>(method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const response = await gw.app.inject({ method, url, headers: gw.auth, ...(payload ? { payload } : {}) });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json() as T;
  };

  /** A citizen calls, the operator opens a ticket from the call, and it is answered. */
  async function answeredPhoneTicket(number: string, answer: string) {
    const call = await api<{ id: number; contactId: number; ticket: { id: number; code: string } }>('POST', '/api/v1/calls', {
      direction: 'in',
      number,
      durationSeconds: 120,
      ticket: { type: 'question', subject: 'Hỏi thủ tục cấp đổi giấy phép lái xe' },
    });
    await api('POST', `/api/v1/tickets/${call.ticket.id}/actions`, { action: 'answer', comment: answer });
    return call.ticket;
  }

  const historyOf = async (ticketId: number) =>
    (await api<{ history: Array<{ action: string; comment: string | null }> }>('GET', `/api/v1/tickets/${ticketId}`)).history;

  beforeAll(async () => {
    standin = await startPlatformStandin();
    standin.zalo.znsApprovedTemplates.add('250002');
    sms = await startSmsSink();
    gw = await startTestApp({
      env: {
        ...zaloEnv(standin),
        ZALO_ZNS_BASE_URL: standin.url,
        SMS_GATEWAY_URL: sms.url,
        CONFIG_FILE: testConfigFile({
          router: { enabled: false },
          inboxes: [
            { key: 'webform', channel: 'webform', name: 'Biểu mẫu' },
            {
              key: 'zalo-oa',
              channel: 'zalo-oa',
              name: 'Zalo OA 1022',
              settings: {
                znsTemplates: [
                  { key: 'bao-truoc-khao-sat', id: '250001', name: 'Báo trước cuộc gọi khảo sát', purpose: 'care_pre_notice', data: { so_goi_den: '{number}' } },
                  { key: 'tra-loi-phieu', id: '250002', name: 'Trả lời phiếu', purpose: 'ticket_answer', data: { ma_phieu: '{code}', tom_tat: '{answer}', danh_gia: '{link}' } },
                ],
              },
            },
          ],
        }),
      },
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await standin?.close();
    await sms?.close();
  });

  it('sends one ZNS with the answer template and its data to a citizen known only by phone', async () => {
    const answer = 'Ông/bà nộp hồ sơ trực tuyến trên Cổng dịch vụ công quốc gia, kèm ảnh chân dung và giấy khám sức khỏe; kết quả trả sau 5 ngày làm việc tại Sở Giao thông.';
    const ticket = await answeredPhoneTicket('0912 000 777', answer);
    const sent = await waitFor(() => {
      const list = standin.zalo.znsSends.filter((s) => s.phone === '84912000777');
      return list.length ? list : null;
    }, 'the ZNS');
    expect(sent).toEqual([
      {
        phone: '84912000777',
        templateId: '250002',
        templateData: {
          ma_phieu: ticket.code,
          tom_tat: expect.stringMatching(/^Ông\/bà nộp hồ sơ trực tuyến.*…$/),
          danh_gia: expect.stringMatching(/\/danh-gia\/\d+\./),
        },
        trackingId: `ticket-${ticket.id}-answer`,
        msgId: expect.any(String),
      },
    ]);
    expect(sent![0]!.templateData.tom_tat!.length).toBeLessThanOrEqual(100);
    expect(sms.texts.filter((t) => t.to === '84912000777')).toEqual([]);
    const history = await historyOf(ticket.id);
    expect(history.find((h) => h.action === 'answer_notice')?.comment).toContain('zns');
  });

  it('falls back to SMS when the phone is not on Zalo, and records the failed ZNS try', async () => {
    // Zalo's answer for a number without a Zalo account.
    standin.zalo.znsPhoneErrors.set('84912000888', { error: -119, message: 'Zalo account not existed' });
    const ticket = await answeredPhoneTicket('0912000888', 'Ông/bà liên hệ Bộ phận một cửa xã để được hướng dẫn.');
    const message = await waitFor(() => sms.texts.find((t) => t.to === '84912000888'), 'the SMS');
    expect(message.text).toContain(ticket.code);
    expect(message.text).toContain('Ông/bà liên hệ Bộ phận một cửa xã');
    expect(standin.zalo.znsSends.filter((s) => s.phone === '84912000888')).toEqual([]);
    expect(standin.requests.filter((r) => r.path === '/message/template').length).toBeGreaterThanOrEqual(2);
    const note = (await historyOf(ticket.id)).find((h) => h.action === 'answer_notice');
    expect(note?.comment).toContain('sms');
    expect(note?.comment).toMatch(/zns: failed: ZNS not_on_platform: -119/);
  });

  it("takes the ZNS way when Zalo says the OA may no longer reply in the citizen's chat", async () => {
    const userId = '950000000000000001';
    const event = fixture<{ timestamp: string; sender: { id: string }; message: { msg_id: string } }>('zalo-oa', 'user_send_text');
    event.sender.id = userId;
    event.message.msg_id = 'an-1';
    event.timestamp = String(Date.now());
    expect((await postZaloEvent(gw, event)).status).toBe(200);
    const conversationId = await waitFor(() => conversationOf(gw, userId), 'the conversation');
    // The citizen shared their phone through the request-info form.
    const shared = { app_id: zaloIds.appId, event_name: 'user_submit_info', timestamp: String(Date.now()), sender: { id: userId }, recipient: { id: zaloIds.oaId }, info: { name: 'Đỗ Văn Giàu', phone: '0912000999' } };
    expect((await postZaloEvent(gw, shared)).status).toBe(200);
    // Zalo's quota: nothing left for this citizen.
    standin.zalo.quotas.set(userId, { quota_type: 'reply', remain: 0, total: 8, expired_date: '2099-01-01 00:00:00' });

    const ticket = await api<{ id: number; code: string }>('POST', '/api/v1/tickets', { type: 'question', subject: 'Hỏi lệ phí trước bạ', conversationId });
    await api('POST', `/api/v1/tickets/${ticket.id}/actions`, { action: 'answer', comment: 'Lệ phí trước bạ xe máy lần đầu là 5% giá tính lệ phí.' });
    const sent = await waitFor(() => standin.zalo.znsSends.find((s) => s.phone === '84912000999'), 'the ZNS');
    expect(sent).toMatchObject({ templateId: '250002', templateData: { ma_phieu: ticket.code } });
    expect(standin.zalo.sends.filter((s) => s.userId === userId && typeof s.message.text === 'string' && s.message.text.includes(ticket.code))).toEqual([]);
    const history = await historyOf(ticket.id);
    expect(history.find((h) => h.action === 'delivery_failed')?.comment).toContain('Zalo báo đã dùng hết 8 lượt');
    expect(history.find((h) => h.action === 'answer_notice')?.comment).toMatch(/zns.*zalo: window_closed/s);
  });
});
