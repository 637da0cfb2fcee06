import { describe, expect, it } from 'vitest';
import type { CannedAnswer, ConversationSummary } from '../../web/inbox/src/api.ts';
import { patchFromEvent } from '../../web/inbox/src/components/conversation-list.tsx';
import { matchCanned, slashToken } from '../../web/inbox/src/components/conversation-view.tsx';

const answer = (id: number, shortcut: string, title: string): CannedAnswer => ({ id, shortcut, title, body: `${title}.`, teamId: null, createdAt: '', updatedAt: '' });

describe('canned answers in the reply box', () => {
  it('finds the /shortcut being typed just before the caret, only at a word start', () => {
    expect(slashToken('/ch', 3)).toEqual({ start: 0, query: 'ch' });
    expect(slashToken('Dạ /kh', 6)).toEqual({ start: 3, query: 'kh' });
    expect(slashToken('Dạ /', 4)).toEqual({ start: 3, query: '' });
    // A URL or a date is not a shortcut; neither is text after the caret.
    expect(slashToken('xem https://dvc.gov.vn/a', 24)).toBeNull();
    expect(slashToken('ngày 12/5', 9)).toBeNull();
    expect(slashToken('/chao rồi', 9)).toBeNull();
    expect(slashToken('/chao rồi', 5)).toEqual({ start: 0, query: 'chao' });
  });

  it('offers shortcuts that start with the query first, then titles holding it, accents ignored', () => {
    const all = [answer(1, 'chao', 'Lời chào'), answer(2, 'khai-sinh', 'Hồ sơ khai sinh'), answer(3, 'ks-lai', 'Cấp lại khai sinh'), answer(4, 'tam-biet', 'Chào tạm biệt')];
    expect(matchCanned(all, 'k').map((a) => a.id)).toEqual([2, 3]);
    expect(matchCanned(all, 'khai').map((a) => a.id)).toEqual([2, 3]);
    expect(matchCanned(all, 'chào').map((a) => a.id)).toEqual([1, 4]);
    expect(matchCanned(all, 'zz')).toEqual([]);
    expect(matchCanned(all, '')).toHaveLength(4);
  });
});

describe('conversation list patched from live events', () => {
  const c: ConversationSummary = {
    id: 7,
    status: 'resolved',
    inboxId: 1,
    channel: 'webchat',
    contactId: 3,
    contactName: 'An',
    teamId: null,
    assigneeId: null,
    lastMessageAt: '2026-11-30T01:00:00.000Z',
    lastInboundAt: null,
    createdAt: '2026-11-30T01:00:00.000Z',
    resolvedAt: '2026-11-30T02:00:00.000Z',
    handler: 'bot',
    waitingSince: null,
    labelIds: [],
  };
  const now = '2026-11-30T03:00:00.000Z';

  it('applies what each event says to the listed conversation', () => {
    expect(patchFromEvent(c, { type: 'message.created', conversationId: 7, direction: 'in', conversationOpened: true }, now)).toMatchObject({ lastMessageAt: now, lastInboundAt: now, status: 'open', resolvedAt: null });
    expect(patchFromEvent(c, { type: 'message.created', conversationId: 7, direction: 'out', conversationOpened: false }, now)).toMatchObject({ lastMessageAt: now, lastInboundAt: null, status: 'resolved' });
    expect(patchFromEvent(c, { type: 'conversation.updated', conversationId: 7, status: 'pending' }, now)?.status).toBe('pending');
    expect(patchFromEvent(c, { type: 'conversation.assigned', conversationId: 7, agentId: 5, teamId: 2 }, now)).toMatchObject({ assigneeId: 5, teamId: 2, handler: 'human' });
    expect(patchFromEvent(c, { type: 'conversation.handoff', conversationId: 7, teamId: 4 }, now)).toMatchObject({ teamId: 4, handler: 'human', waitingSince: now });
    expect(patchFromEvent(c, { type: 'conversation.labels', conversationId: 7, labelIds: [1, 2] }, now)?.labelIds).toEqual([1, 2]);
  });

  it('asks for a fetch when the event does not carry what the list shows', () => {
    expect(patchFromEvent(c, { type: 'conversation.updated', conversationId: 7 }, now)).toBeNull();
    expect(patchFromEvent(c, { type: 'conversation.labels', conversationId: 7 }, now)).toBeNull();
  });
});
