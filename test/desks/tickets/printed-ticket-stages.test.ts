// The printed ticket's levels, from a ticket's history, without a store: who held it, the deadline
// in force at each level (worked out again as the step that set it did), how each level ended and
// who signed. The HTTP side and the PDF are tested in printed-ticket.test.ts.
import { describe, expect, it } from 'vitest';
import { printedTicket } from '../../../src/desks/tickets/printed-ticket.ts';

const day = 86_400_000;
const at = (n: number) => new Date(Date.UTC(2026, 10, 2, 2) + n * day);
// Calendar days stand in for working days: the arithmetic is the business hours' own, tested apart.
const businessHours = { addWorkingDays: (from: Date, days: number) => new Date(from.getTime() + days * day) };
const deadlines = { default: { unit: 5, unitLeadership: 3, provinceLeadership: 7 } };
const units = new Map([[7, 'Sở Tư pháp']]);

type Step = { action: string; fromLevel: number | null; toLevel: number | null; toUnitId?: number | null; actorName: string; comment?: string | null; at: Date };
function ticket(steps: Step[], current: { level: number; deadline: Date | null; type?: string }) {
  return {
    id: 1,
    code: '1022-2026-000001',
    channel: 'phone',
    conversationId: null,
    callId: null,
    contactId: null,
    type: current.type ?? 'question',
    tthc: false,
    field: null,
    unitId: 7,
    unitName: 'Sở Tư pháp',
    level: current.level,
    status: 'answered',
    subject: 'Hỏi',
    deadline: current.deadline,
    receivedAt: at(0),
    updatedAt: at(0),
    answeredAt: null,
    closedAt: null,
    satisfaction: null,
    body: null,
    answer: null,
    satisfactionComment: null,
    satisfactionAt: null,
    createdAt: at(0),
    contact: { name: 'Nguyễn Thị Hoa', phone: '********678', email: null },
    reporterHidden: false,
    overdue: false,
    history: steps.map((s, id) => ({ id, fromStatus: null, toStatus: null, fromUnitId: null, attachments: null, comment: null, toUnitId: null, ...s })),
  };
}
const build = (t: ReturnType<typeof ticket>) => printedTicket(t as never, { organisation: 'Tổng đài 1022 Đồng Tháp', unitNames: units, businessHours, deadlines, printedBy: 'Trần Văn Tư', now: at(30) });

describe('a printed ticket laid out by level', () => {
  it('forwarded, escalated, answered by the unit leadership: each level with its deadline and signer', () => {
    const stored = at(13);
    const printed = build(
      ticket(
        [
          { action: 'create', fromLevel: null, toLevel: 1, actorName: 'ĐTV Lan', at: at(0) },
          { action: 'forward', fromLevel: 1, toLevel: 2, toUnitId: 7, actorName: 'ĐTV Lan', at: at(1) },
          { action: 'accept', fromLevel: 2, toLevel: 2, toUnitId: 7, actorName: 'CB Tư', at: at(2) },
          { action: 'escalate', fromLevel: 2, toLevel: 3, toUnitId: 7, actorName: 'CB Tư', at: at(3) },
          { action: 'answer', fromLevel: 3, toLevel: 3, toUnitId: 7, actorName: 'LĐ Sở', comment: 'Trả lời của lãnh đạo sở.', at: at(4) },
          { action: 'close', fromLevel: 3, toLevel: 3, toUnitId: 7, actorName: 'ĐTV Lan', at: at(5) },
        ],
        { level: 3, deadline: stored },
      ),
    );
    expect(printed.stages).toEqual([
      { level: 1, unitName: null, from: at(0), deadline: null, outcome: 'forwarded', endedAt: at(1), signedBy: 'ĐTV Lan', text: null },
      { level: 2, unitName: 'Sở Tư pháp', from: at(1), deadline: at(6), outcome: 'escalated', endedAt: at(3), signedBy: 'CB Tư', text: null },
      // The current level's deadline is the stored one, not a recomputation.
      { level: 3, unitName: 'Sở Tư pháp', from: at(3), deadline: stored, outcome: 'answered', endedAt: at(4), signedBy: 'LĐ Sở', text: 'Trả lời của lãnh đạo sở.' },
    ]);
    expect(printed.header).toEqual({ country: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', motto: 'Độc lập - Tự do - Hạnh phúc', organisation: 'Tổng đài 1022 Đồng Tháp' });
    expect(printed.printedBy).toBe('Trần Văn Tư');
  });

  it('a send-back keeps the deadline at the unit, back at the hotline there is none; a reopened ticket starts again at level 1', () => {
    const printed = build(
      ticket(
        [
          { action: 'create', fromLevel: null, toLevel: 1, actorName: 'ĐTV Lan', at: at(0) },
          { action: 'forward', fromLevel: 1, toLevel: 2, toUnitId: 7, actorName: 'ĐTV Lan', at: at(1) },
          { action: 'escalate', fromLevel: 2, toLevel: 3, toUnitId: 7, actorName: 'CB Tư', at: at(2) },
          { action: 'send_back', fromLevel: 3, toLevel: 2, toUnitId: 7, actorName: 'LĐ Sở', comment: 'Bổ sung ý kiến phòng Hộ tịch.', at: at(3) },
          { action: 'send_back', fromLevel: 2, toLevel: 1, toUnitId: null, actorName: 'CB Tư', comment: 'Không thuộc thẩm quyền.', at: at(4) },
          { action: 'answer', fromLevel: 1, toLevel: 1, actorName: 'ĐTV Lan', comment: 'Tổng đài trả lời.', at: at(5) },
          { action: 'reopen', fromLevel: 1, toLevel: 1, actorName: 'ĐTV Lan', at: at(6) },
        ],
        { level: 1, deadline: null },
      ),
    );
    expect(printed.stages.map((s) => [s.level, s.outcome, s.deadline, s.signedBy, s.text])).toEqual([
      [1, 'forwarded', null, 'ĐTV Lan', null],
      [2, 'escalated', at(6), 'CB Tư', null],
      [3, 'sent_back', at(5), 'LĐ Sở', 'Bổ sung ý kiến phòng Hộ tịch.'],
      // Sent back to the unit: the leadership's deadline is kept.
      [2, 'sent_back', at(5), 'CB Tư', 'Không thuộc thẩm quyền.'],
      // Answered at the hotline; the reopening does not rewrite that.
      [1, 'answered', null, 'ĐTV Lan', 'Tổng đài trả lời.'],
      [1, 'open', null, null, null],
    ]);
  });

  it('a hidden reporter prints no citizen, whatever the ticket carried', () => {
    const hidden = { ...ticket([{ action: 'create', fromLevel: null, toLevel: 1, actorName: 'ĐTV Lan', at: at(0) }], { level: 1, deadline: null, type: 'denunciation' }), reporterHidden: true };
    expect(build(hidden).citizen).toBeNull();
    expect(build(hidden).reporterHidden).toBe(true);
  });
});
