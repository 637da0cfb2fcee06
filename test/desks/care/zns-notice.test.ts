import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { startSmsSink, type SmsSink } from '../../helpers/sms-sink.ts';
import { startPlatformStandin, zaloEnv, type PlatformStandin } from '../../helpers/platform-standins.ts';

// A citizen known only by the phone number of their dossier gets the campaign's pre-notice as a
// ZNS template message (at the stand-in of business.openapi.zalo.me); one whose number is not on
// Zalo gets it by SMS, and the failed ZNS try is recorded with Zalo's reason.
const header = 'Mã hồ sơ,Tên thủ tục,Lĩnh vực,Nơi tiếp nhận,Cấp,Đơn vị,Người nộp,Số điện thoại,Email,Ngày tiếp nhận,Ngày hẹn trả,Ngày trả kết quả,Trạng thái';
const rows = [
  'H12.82-261101-0001,Cấp bản sao trích lục hộ tịch,Hộ tịch,Trung tâm Phục vụ hành chính công tỉnh,Tỉnh,Sở Tư pháp,Trần Văn Bình,0912 000 111,,01/11/2026,05/11/2026,05/11/2026 10:30,Đã trả kết quả',
  'X01.82-261102-0002,Đăng ký khai sinh,Hộ tịch,Bộ phận một cửa phường Mỹ Tho,Xã,Phường Mỹ Tho,Lê Thị Cúc,0912000222,,02/11/2026,03/11/2026,03/11/2026,Đã trả kết quả',
];

describe('care pre-notice by ZNS', () => {
  let gw: TestApp;
  let standin: PlatformStandin;
  let sms: SmsSink;

  beforeAll(async () => {
    standin = await startPlatformStandin();
    sms = await startSmsSink();
    gw = await startTestApp({
      listen: false,
      env: {
        ...zaloEnv(standin),
        ZALO_ZNS_BASE_URL: standin.url,
        SMS_GATEWAY_URL: sms.url,
        CONFIG_FILE: testConfigFile({
          router: { enabled: false },
          care: { outboundNumber: '0277 3 1022 00' },
          inboxes: [
            { key: 'webform', channel: 'webform', name: 'Biểu mẫu' },
            {
              key: 'zalo-oa',
              channel: 'zalo-oa',
              name: 'Zalo OA 1022',
              settings: {
                znsTemplates: [
                  { key: 'bao-truoc-khao-sat', id: '250001', name: 'Báo trước cuộc gọi khảo sát', purpose: 'care_pre_notice', data: { co_quan: '{deployment}', so_goi_den: '{number}', ma_ho_so: '{code}' } },
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

  it('sends the ZNS template to the phone, and falls back to SMS for a number not on Zalo', async () => {
    // Zalo's answer for a number without a Zalo account.
    standin.zalo.znsPhoneErrors.set('84912000222', { error: -119, message: 'Zalo account not existed' });
    // What the campaign screen offers to pick.
    expect((await gw.app.inject({ method: 'GET', url: '/api/v1/notice-templates', headers: gw.auth })).json()).toEqual([
      { transport: 'zns', key: 'bao-truoc-khao-sat', name: 'Báo trước cuộc gọi khảo sát', purpose: 'care_pre_notice' },
    ]);
    const imported = await gw.app.inject({ method: 'POST', url: '/api/v1/dossiers/import', headers: { ...gw.auth, 'content-type': 'text/csv' }, payload: [header, ...rows].join('\n') });
    expect(imported.json()).toMatchObject({ inserted: 2, errors: [] });
    const created = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: gw.auth,
      payload: { name: 'Khảo sát tháng 11', template: 'care', filter: {}, sampleSize: 2, stratifyBy: 'none', excludeDays: 30, seed: 'zns', znsTemplate: 'bao-truoc-khao-sat' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const campaignId = created.json().id as number;

    const notified = await gw.app.inject({ method: 'POST', url: `/api/v1/campaigns/${campaignId}/notify`, headers: gw.auth });
    expect(notified.json()).toMatchObject({ notified: 2, byChannel: { zalo: 0, zns: 1, email: 0, sms: 1, none: 0 } });

    expect(standin.zalo.znsSends).toEqual([
      {
        phone: '84912000111',
        templateId: '250001',
        templateData: { co_quan: expect.stringContaining('1022'), so_goi_den: '0277 3 1022 00', ma_ho_so: 'H12.82-261101-0001' },
        trackingId: expect.stringMatching(new RegExp(`^campaign-${campaignId}-target-\\d+$`)),
        msgId: expect.any(String),
      },
    ]);
    expect(standin.requests.filter((r) => r.path === '/message/template')).toHaveLength(2);
    expect(sms.texts).toEqual([{ to: '84912000222', text: expect.stringContaining('0277 3 1022 00'), auth: undefined }]);

    const { store } = gw.app.gateway;
    const targets = await store.db
      .select({ phone: store.t.campaignTargets.phone, channel: store.t.campaignTargets.noticeChannel, detail: store.t.campaignTargets.noticeDetail })
      .from(store.t.campaignTargets)
      .where(eq(store.t.campaignTargets.campaignId, campaignId));
    expect(targets).toEqual(
      expect.arrayContaining([
        { phone: '84912000111', channel: 'zns', detail: null },
        { phone: '84912000222', channel: 'sms', detail: expect.stringMatching(/^zns: failed: ZNS not_on_platform: -119 Zalo account not existed/) },
      ]),
    );
  });
});
