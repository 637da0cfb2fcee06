import { describe, expect, it } from 'vitest';
import { percent } from '../../../src/desks/tickets/monthly-report.ts';
import { canSee, decideTransition, mayIdentifyReporter, type TicketActor, type TicketState } from '../../../src/desks/tickets/ticket-rules.ts';

const operator: TicketActor = { role: 'agent', unitIds: [] };
const supervisor: TicketActor = { role: 'supervisor', unitIds: [] };
const officer: TicketActor = { role: 'unit_officer', unitIds: [7] };
const otherOfficer: TicketActor = { role: 'unit_officer', unitIds: [8] };
const leader: TicketActor = { role: 'unit_leader', unitIds: [7] };
const province: TicketActor = { role: 'province_leader', unitIds: [] };

const at = (level: 1 | 2 | 3 | 4, status: TicketState['status'], unitId: number | null = level === 1 ? null : 7): TicketState => ({ level, status, unitId, type: 'question' });

describe('ticket levels: who may do what', () => {
  it.each([
    // [actor, ticket, action, outcome]
    ['operator forwards to a unit', operator, at(1, 'in_progress'), { action: 'forward', unitId: 7 }, { level: 2, status: 'waiting_unit', unitId: 7, deadline: 'unit' }],
    ['forwarding needs a unit', operator, at(1, 'in_progress'), { action: 'forward' }, 'unit_required'],
    ['a unit cannot forward', officer, at(2, 'in_progress'), { action: 'forward', unitId: 8 }, 'forbidden'],
    ['the officer accepts', officer, at(2, 'waiting_unit'), { action: 'accept' }, { level: 2, status: 'in_progress' }],
    ['another unit cannot accept', otherOfficer, at(2, 'waiting_unit'), { action: 'accept' }, 'forbidden'],
    ['the officer escalates to the leadership', officer, at(2, 'in_progress'), { action: 'escalate' }, { level: 3, status: 'waiting_unit', deadline: 'unitLeadership' }],
    ['the officer cannot act at level 3', officer, at(3, 'waiting_unit'), { action: 'escalate' }, 'forbidden'],
    ['the leader escalates to the province', leader, at(3, 'in_progress'), { action: 'escalate' }, { level: 4, status: 'waiting_unit', deadline: 'provinceLeadership' }],
    ['the leader answers', leader, at(3, 'in_progress'), { action: 'answer', comment: 'Trả lời' }, { level: 3, status: 'answered', answered: true }],
    ['an empty answer is refused', leader, at(3, 'in_progress'), { action: 'answer', comment: '  ' }, 'comment_required'],
    ['sending back needs a reason', officer, at(2, 'in_progress'), { action: 'send_back' }, 'comment_required'],
    ['a unit sends back to the hotline', officer, at(2, 'in_progress'), { action: 'send_back', comment: 'Không thuộc thẩm quyền' }, { level: 1, unitId: null, status: 'in_progress', deadline: 'clear' }],
    ['the province sends back to the unit leadership', province, at(4, 'waiting_unit'), { action: 'send_back', comment: 'Bổ sung' }, { level: 3, unitId: 7, status: 'in_progress', deadline: 'keep' }],
    ['the province answers', province, at(4, 'in_progress'), { action: 'answer', comment: 'Trả lời' }, { status: 'answered' }],
    ['the province cannot escalate further', province, at(4, 'in_progress'), { action: 'escalate' }, 'invalid_state'],
    ['an operator cannot answer for a unit', operator, at(2, 'in_progress'), { action: 'answer', comment: 'x' }, 'forbidden'],
    ['operators close answered tickets', supervisor, at(2, 'answered'), { action: 'close' }, { status: 'closed', closed: true }],
    ['an open ticket cannot be closed', operator, at(1, 'in_progress'), { action: 'close' }, 'invalid_state'],
    ['an answered ticket cannot be answered again', officer, at(2, 'answered'), { action: 'answer', comment: 'x' }, 'invalid_state'],
    ['reopening goes back to the hotline', operator, at(3, 'closed'), { action: 'reopen' }, { level: 1, unitId: null, status: 'in_progress' }],
    ['only new tickets are taken', operator, at(1, 'in_progress'), { action: 'take' }, 'invalid_state'],
  ] as const)('%s', (_name, actor, ticket, input, outcome) => {
    const decided = decideTransition(ticket, actor, input as never);
    if (typeof outcome === 'string') expect(decided).toBe(outcome);
    else expect(decided).toMatchObject(outcome);
  });

  it('lets units see only their tickets, and the province only what reached it', () => {
    expect(canSee(operator, at(2, 'waiting_unit'))).toBe(true);
    expect(canSee(officer, at(2, 'waiting_unit'))).toBe(true);
    expect(canSee(otherOfficer, at(2, 'waiting_unit'))).toBe(false);
    expect(canSee(officer, at(1, 'in_progress', 7))).toBe(false);
    expect(canSee(province, at(3, 'waiting_unit'))).toBe(false);
    expect(canSee(province, at(4, 'waiting_unit'))).toBe(true);
  });

  it('never shows who denounced to the unit handling it', () => {
    expect(mayIdentifyReporter(officer, { type: 'denunciation' })).toBe(false);
    expect(mayIdentifyReporter(province, { type: 'denunciation' })).toBe(false);
    expect(mayIdentifyReporter(operator, { type: 'denunciation' })).toBe(true);
    expect(mayIdentifyReporter(officer, { type: 'complaint' })).toBe(true);
  });
});

describe('report rates', () => {
  it('rounds half up by default and truncates as the province printed it', () => {
    expect(percent(2233, 2270, 'half-up')).toBe(98.37);
    expect(percent(1, 2270, 'half-up')).toBe(0.04);
    expect(percent(36, 2270, 'half-up')).toBe(1.59);
    expect(percent(36, 2270, 'truncate')).toBe(1.58);
    expect(percent(2233, 2270, 'truncate')).toBe(98.37);
    expect(percent(1, 8, 'half-up')).toBe(12.5);
    expect(percent(1, 3, 'half-up')).toBe(33.33);
    expect(percent(2, 3, 'half-up')).toBe(66.67);
    expect(percent(0, 0, 'half-up')).toBe(0);
  });
});
