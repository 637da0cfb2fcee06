import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/load-config.ts';
import { decideRoute, routeRules, type RouteConversation, type RouteRules } from '../../src/router/decide-route.ts';
import { loadKnowledgeBase } from '../../src/router/knowledge-base/load.ts';
import { createMatcher } from '../../src/router/knowledge-base/matcher.ts';
import { chooseAgent, type AgentLoad } from '../../src/router/assignment/choose-agent.ts';

const { file } = loadConfig({});
const matcher = createMatcher(loadKnowledgeBase(new URL('../../config/knowledge-base', import.meta.url).pathname));
const rules: RouteRules = routeRules({ ...file.router, defaultTeam: 'tiep-nhan-chung' }, matcher, new Set(file.teams.map((t) => t.key)));
const bot: RouteConversation = { handler: 'bot', pendingChoices: null };
const now = new Date('2026-11-23T02:00:00Z');
const decide = (text: string, conversation = bot, overrides: Partial<RouteRules> = {}) =>
  decideRoute(conversation, { text, suppressAutoReply: false, attachments: 0 }, { ...rules, ...overrides }, now);

describe('decideRoute', () => {
  it('sends a request for a person (or a wordless file) to the topic team, complaints by their own words', () => {
    const onTopic: RouteConversation = { ...bot, topicTeam: 'ho-tich-tu-phap' };
    expect(decide('gặp nhân viên', onTopic)).toMatchObject({ kind: 'handoff', reason: 'person', team: 'ho-tich-tu-phap' });
    expect(decide('0', onTopic)).toMatchObject({ kind: 'handoff', reason: 'person', team: 'ho-tich-tu-phap' });
    expect(decideRoute(onTopic, { text: null, suppressAutoReply: false, attachments: 1 }, rules, now)).toMatchObject({ reason: 'no_text', team: 'ho-tich-tu-phap' });
    expect(decide('tôi muốn phản ánh hồ sơ tách thửa đất bị chậm trễ', onTopic)).toMatchObject({ reason: 'complaint', team: 'dat-dai-xay-dung' });
    // A topic team no longer configured falls back to the words.
    expect(decide('0', { ...bot, topicTeam: 'gone' })).toMatchObject({ team: decide('0').kind === 'handoff' ? (decide('0') as { team: string }).team : '' });
  });

  it.each([
    ['làm giấy khai sinh cho con cần gì', 'khai-sinh'],
    ['lam cccd o dau', 'cap-can-cuoc'],
    ['dang kys tam tru can giay to gi', 'dang-ky-tam-tru'],
    ['ĐĂNG KÝ KẾT HÔN CẦN NHỮNG GÌ', 'ket-hon'],
    ['đổi GPLX hết hạn làm sao', 'doi-giay-phep-lai-xe'],
    ['rut bhxh mot lan can gi', 'bhxh-mot-lan'],
  ])('answers "%s" from %s, accents, telex and abbreviations aside', (text, entryId) => {
    expect(decide(text)).toMatchObject({ kind: 'answer', entryId });
  });

  it.each([
    ['cho gặp nhân viên', 'person'],
    ['gap nguoi that', 'person'],
    ['0', 'person'],
    ['tôi muốn phản ánh cán bộ xã hạch sách người dân', 'complaint'],
    ['to cao can bo nhan hoi lo', 'complaint'],
    ['kết quả xổ số miền nam hôm nay', 'off_topic'],
    ['giờ chạy xe buýt cao lãnh đi mỹ tho', 'off_topic'],
    ['lam giay to nha dat cho ong hang xom bi benh', 'low_confidence'],
  ])('hands "%s" to people (%s)', (text, reason) => {
    expect(decide(text)).toMatchObject({ kind: 'handoff', reason });
  });

  it('answers how to send feedback, but hands over the feedback itself', () => {
    expect(decide('muốn gửi kiến nghị thì gửi ở đâu')).toMatchObject({ kind: 'answer', entryId: 'gui-phan-anh-kien-nghi' });
    expect(decide('tôi kiến nghị sửa con đường trước nhà bị ngập')).toMatchObject({ kind: 'handoff', reason: 'complaint' });
  });

  it.each([
    'cán bộ xã làm khó dễ hoài, nộp hồ sơ ba lần hổng chịu nhận',
    'tui muốn thưa ông cán bộ địa chính ăn tiền mới ký giấy',
    'bức xúc quá, đi làm sổ đỏ cả năm trời hổng thấy đâu hết',
    'lam ho so dat bi doi tien ca phe, hanh dan qua troi',
  ])('hands a complaint in southern words to a person, with the entry on complaints suggested: %s', (text) => {
    expect(decide(text)).toMatchObject({ kind: 'handoff', reason: 'complaint', suggested: ['gui-phan-anh-kien-nghi'] });
  });

  it('greets and thanks in kind', () => {
    expect(decide('xin chào ad').kind).toBe('greeting');
    expect(decide('cảm ơn nhiều ạ').kind).toBe('thanks');
  });

  it('takes a numbered choice after asking which procedure was meant', () => {
    const asked: RouteConversation = { handler: 'bot', pendingChoices: ['khai-tu', 'trich-luc-ho-tich'] };
    expect(decide('2', asked)).toMatchObject({ kind: 'answer', entryId: 'trich-luc-ho-tich' });
    expect(decide('7', asked).kind).not.toBe('answer');
  });

  it('asks which one when two entries are as likely', () => {
    const decision = decide('đăng ký kết hôn', bot, { clarifyMargin: 1 });
    expect(decision.kind).toBe('clarify');
    if (decision.kind === 'clarify') expect(decision.choices).toContain('ket-hon');
  });

  it('stays silent for conversations people have taken and for auto-replies', () => {
    expect(decide('làm căn cước', { handler: 'human', pendingChoices: null })).toEqual({ kind: 'ignore', reason: 'human' });
    expect(decideRoute(bot, { text: 'Auto-reply: out of office', suppressAutoReply: true, attachments: 0 }, rules, now)).toEqual({ kind: 'ignore', reason: 'suppressed' });
  });

  it('sends pictures without words, and unplaced questions, to the right team', () => {
    expect(decideRoute(bot, { text: null, suppressAutoReply: false, attachments: 1 }, rules, now)).toMatchObject({ kind: 'handoff', reason: 'no_text', team: 'tiep-nhan-chung' });
    expect(decide('tôi muốn phản ánh việc tách thửa đất bị chậm trễ')).toMatchObject({ kind: 'handoff', team: 'dat-dai-xay-dung' });
    expect(decide('xin chào, có ai trực không', bot, { open: () => false })).toMatchObject({ kind: 'handoff', withinHours: false });
  });
});

describe('chooseAgent', () => {
  const agent = (id: number, load: number, presence: AgentLoad['presence'] = 'online', lastAssignedAt: Date | null = null, capacity = 3): AgentLoad => ({ id, load, presence, lastAssignedAt, capacity });
  it('takes the least-loaded online agent under capacity, then the one idle longest', () => {
    expect(chooseAgent([agent(1, 2), agent(2, 1), agent(3, 0, 'offline')], 'least-loaded')).toBe(2);
    expect(chooseAgent([agent(1, 1, 'online', new Date(2000)), agent(2, 1, 'online', new Date(1000))], 'least-loaded')).toBe(2);
    expect(chooseAgent([agent(1, 3), agent(2, 0, 'away')], 'least-loaded')).toBeNull();
  });
  it('round-robin ignores load under capacity', () => {
    expect(chooseAgent([agent(1, 0, 'online', new Date(5000)), agent(2, 2, 'online', new Date(1000))], 'round-robin')).toBe(2);
  });
  it('avoids the agent a conversation was taken from, unless nobody else can', () => {
    expect(chooseAgent([agent(1, 0), agent(2, 2)], 'least-loaded', 1)).toBe(2);
    expect(chooseAgent([agent(1, 0), agent(2, 3)], 'least-loaded', 1)).toBe(1);
  });
});
