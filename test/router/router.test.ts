import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideRoute } from '../../src/router/decide-route.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';

interface Message {
  direction: string;
  senderType: string;
  senderRef: string | null;
  text: string | null;
  metadata: Record<string, unknown> | null;
}

// The citizen's page keeps the visitor key of its first answer and sends it again.
const visitorKeys = new Map<string, string>();
async function ask(gw: TestApp, phone: string, text: string) {
  const visitorKey = visitorKeys.get(phone);
  const res = await gw.app.inject({ method: 'POST', url: '/api/public/messages', payload: { name: 'Công dân', phone, text, ...(visitorKey ? { visitorKey } : {}) } });
  expect(res.statusCode).toBe(202);
  visitorKeys.set(phone, res.json().visitorKey);
  await gw.app.gateway.inbound.idle();
  return res.json().conversationId as number;
}
const messages = async (gw: TestApp, id: number) =>
  (await gw.app.inject({ url: `/api/v1/conversations/${id}/messages`, headers: gw.auth })).json().items as Message[];
const conversation = async (gw: TestApp, id: number) => (await gw.app.inject({ url: `/api/v1/conversations/${id}`, headers: gw.auth })).json();

describe('router in the running gateway (office open)', () => {
  let gw: TestApp;
  const team = (key: string) => gw.app.inject({ url: '/api/v1/teams', headers: gw.auth }).then((r) => r.json().find((t: { key: string }) => t.key === key).id as number);
  const agent = async (username: string, teams: string[]) => {
    const res = await gw.app.inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username, displayName: username.toUpperCase(), role: 'agent', capacity: 2, teams } });
    expect(res.statusCode).toBe(201);
    return res.json().id as number;
  };
  /** The decision for a text alone, as in a conversation with no topic. */
  const byWords = (text: string) => decideRoute({ handler: 'bot', pendingChoices: null }, { text, suppressAutoReply: false, attachments: 0 }, gw.app.gateway.router.rules(), new Date());
  const presence = (id: number, value: string) => gw.app.inject({ method: 'PUT', url: `/api/v1/agents/${id}/presence`, headers: gw.auth, payload: { presence: value } });

  beforeAll(async () => {
    gw = await startTestApp({
      listen: false,
      env: { CONFIG_FILE: testConfigFile({ businessHours: undefined, router: { assignment: { reassignAfterMinutes: 0.01, intervalSeconds: 3600 } } }) },
    });
  });
  afterAll(() => gw.close());

  it('answers a procedure question at once, with the way to reach a person', async () => {
    const id = await ask(gw, '0912000201', 'lam cccd o dau vay ad');
    const reply = (await messages(gw, id)).find((m) => m.senderType === 'bot')!;
    expect(reply.senderRef).toBe('kb:cap-can-cuoc');
    expect(reply.text).toContain('gặp nhân viên');
    expect((await conversation(gw, id)).handler).toBe('bot');
  });

  it('hands a complaint to its team, assigns an online agent, and takes it back when unanswered', async () => {
    const landTeam = await team('dat-dai-xay-dung');
    const an = await agent('nv.an', ['dat-dai-xay-dung']);
    const binh = await agent('nv.binh', ['dat-dai-xay-dung']);
    const id = await ask(gw, '0912000202', 'tôi muốn phản ánh hồ sơ tách thửa đất của tôi bị chậm trễ 2 tháng');
    let c = await conversation(gw, id);
    expect(c).toMatchObject({ handler: 'human', teamId: landTeam, assigneeId: null });
    const log = await messages(gw, id);
    expect(log.some((m) => m.direction === 'activity' && m.metadata?.handoff === 'complaint')).toBe(true);
    expect(log.filter((m) => m.senderType === 'bot').map((m) => m.senderRef)).toEqual(['bot:handoff']);

    // Nobody online: it waits. An comes online and gets it.
    await presence(an, 'online');
    await gw.app.gateway.inbound.idle();
    c = await conversation(gw, id);
    expect(c.assigneeId).toBe(an);

    // An does not answer in time: it goes to Bình, who is now online.
    await presence(binh, 'online');
    await new Promise((r) => setTimeout(r, 700));
    await gw.app.gateway.router.assigner.reassignStale();
    await gw.app.gateway.router.assigner.assignWaiting();
    expect((await conversation(gw, id)).assigneeId).toBe(binh);

    // The bot stays silent while people handle it...
    await ask(gw, '0912000202', 'lam cccd o dau');
    expect((await messages(gw, id)).filter((m) => m.senderType === 'bot')).toHaveLength(1);
    // ...until it is given back.
    const back = await gw.app.inject({ method: 'PATCH', url: `/api/v1/conversations/${id}`, headers: gw.auth, payload: { handler: 'bot' } });
    expect(back.statusCode).toBe(200);
    await ask(gw, '0912000202', 'lam cccd o dau');
    expect((await messages(gw, id)).filter((m) => m.senderType === 'bot').map((m) => m.senderRef)).toEqual(['bot:handoff', 'kb:cap-can-cuoc']);
  });

  it('lets an agent take a conversation by replying, and a supervisor move or assign it by hand', async () => {
    const id = await ask(gw, '0912000203', 'xin chào');
    expect((await messages(gw, id)).find((m) => m.senderType === 'bot')?.senderRef).toBe('bot:greeting');
    await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: gw.auth, payload: { text: 'Chào anh, tôi có thể giúp gì?' } });
    expect((await conversation(gw, id)).handler).toBe('human');
    const general = await team('kinh-doanh');
    const res = await gw.app.inject({ method: 'PATCH', url: `/api/v1/conversations/${id}`, headers: gw.auth, payload: { teamId: general, assigneeId: null } });
    expect(res.statusCode, res.body).toBe(200);
    expect(await conversation(gw, id)).toMatchObject({ teamId: general, assigneeId: null });
  });

  it('hands a request for a person to the team of what the conversation is about, not of the words asking', async () => {
    const civil = await team('ho-tich-tu-phap');
    const id = await ask(gw, '0912000204', 'đăng ký khai sinh cho con cần giấy tờ gì');
    expect((await messages(gw, id)).find((m) => m.senderType === 'bot')?.senderRef).toMatch(/^kb:.*khai-sinh/);
    // Alone, "gặp nhân viên" does not place itself with the civil-registration team.
    expect(byWords('gặp nhân viên')).toMatchObject({ kind: 'handoff', reason: 'person' });
    expect(byWords('gặp nhân viên')).not.toMatchObject({ team: 'ho-tich-tu-phap' });

    await ask(gw, '0912000204', 'gặp nhân viên');
    expect(await conversation(gw, id)).toMatchObject({ handler: 'human', teamId: civil });
    const activity = (await messages(gw, id)).find((m) => m.direction === 'activity')!;
    expect(activity.metadata).toMatchObject({ handoff: 'person', team: 'ho-tich-tu-phap' });
  });

  it('with no topic yet, places a request for a person by its own words', async () => {
    const id = await ask(gw, '0912000205', 'cho tôi gặp nhân viên');
    const activity = (await messages(gw, id)).find((m) => m.direction === 'activity')!;
    const alone = byWords('cho tôi gặp nhân viên');
    expect(alone.kind === 'handoff' && alone.team).toBeTruthy();
    expect(activity.metadata).toMatchObject({ handoff: 'person', team: alone.kind === 'handoff' ? alone.team : null });
  });

  it('answers the router API without side effects', async () => {
    const res = await gw.app.inject({ method: 'POST', url: '/api/v1/router/answer', headers: gw.auth, payload: { text: 'đăng ký tạm trú cần gì' } });
    expect(res.json()).toMatchObject({ decision: 'answer', entryId: 'dang-ky-tam-tru', title: 'Đăng ký tạm trú', answer: expect.stringContaining('tạm trú') });
    expect(res.json().candidates[0]).toMatchObject({ entryId: 'dang-ky-tam-tru' });
    const handoff = await gw.app.inject({ method: 'POST', url: '/api/v1/router/answer', headers: gw.auth, payload: { text: 'tố cáo cán bộ nhận hối lộ' } });
    expect(handoff.json()).toMatchObject({ decision: 'handoff', reason: 'complaint' });
    expect((await gw.app.inject({ method: 'POST', url: '/api/v1/router/answer', payload: { text: 'x' } })).statusCode).toBe(401);
  });
});

describe('router outside office hours', () => {
  let gw: TestApp;
  beforeAll(async () => {
    // Open only on a day that has passed: never open now, next opening never... so open one
    // weekday at 00:00-00:01 to get a concrete "back at" time.
    const weekly = { sun: ['00:00-00:01'], mon: ['00:00-00:01'], tue: ['00:00-00:01'], wed: ['00:00-00:01'], thu: ['00:00-00:01'], fri: ['00:00-00:01'], sat: ['00:00-00:01'] };
    gw = await startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ businessHours: { weekly, holidayFiles: [] } }) } });
  });
  afterAll(() => gw.close());

  it('tells the citizen when people are back and keeps the conversation waiting', async () => {
    const id = await ask(gw, '0912000301', 'cho gặp nhân viên');
    const notice = (await messages(gw, id)).find((m) => m.senderRef === 'bot:handoff')!;
    expect(notice.text).toMatch(/ngoài giờ làm việc.*00:00/s);
    expect((await conversation(gw, id)).handler).toBe('human');
  });
});
