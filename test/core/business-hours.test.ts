import { describe, expect, it } from 'vitest';
import { createBusinessHours } from '../../src/core/business-hours.ts';
import { loadConfig } from '../../src/core/config/load-config.ts';

const { file } = loadConfig({});
const hours = createBusinessHours(file.businessHours, 'Asia/Ho_Chi_Minh');
// Vietnam is UTC+7 all year.
const vn = (local: string) => new Date(`${local}+07:00`);

describe('business hours of the demo configuration', () => {
  it.each([
    ['2026-11-23T08:00:00', true], // Monday morning
    ['2026-11-23T12:00:00', false], // lunch break
    ['2026-11-23T17:00:00', false], // closing time
    ['2026-11-28T09:00:00', false], // Saturday
    ['2026-02-16T09:00:00', false], // Tết
    ['2026-01-10T09:00:00', true], // make-up Saturday for Tết Dương lịch
    ['2026-04-30T09:00:00', false], // 30/4
  ])('%s open: %s', (local, open) => {
    expect(hours.isOpen(vn(local))).toBe(open);
  });

  it('tells when people are back', () => {
    expect(hours.nextOpening(vn('2026-11-23T12:00:00'))).toEqual(vn('2026-11-23T13:30:00'));
    expect(hours.nextOpening(vn('2026-11-27T18:00:00'))).toEqual(vn('2026-11-30T07:00:00'));
    expect(hours.nextOpening(vn('2026-02-13T17:30:00'))).toEqual(vn('2026-02-23T07:00:00'));
    const now = vn('2026-11-23T08:00:00');
    expect(hours.nextOpening(now)).toEqual(now);
  });

  it('counts working days for deadlines, skipping weekends and holidays', () => {
    expect(hours.addWorkingDays(vn('2026-11-20T10:00:00'), 5)).toEqual(vn('2026-11-27T10:00:00'));
    expect(hours.addWorkingDays(vn('2026-04-24T10:00:00'), 2)).toEqual(vn('2026-04-29T10:00:00'));
  });
});
