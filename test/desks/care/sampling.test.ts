import { describe, expect, it } from 'vitest';
import { allocate, drawSample, seededRandom, AllocationError, type PopulationMember } from '../../../src/desks/care/sampling.ts';
import { decideOutcome, isOptOut, nextAttemptTime, windowOf } from '../../../src/desks/care/campaign-rules.ts';

const strata = (sizes: number[]) => sizes.map((size, i) => ({ key: `s${i}`, size }));

describe('allocate', () => {
  it.each([
    { sizes: [500, 300, 200], n: 100, min: 0 },
    { sizes: [1234, 567, 89, 10], n: 137, min: 0 },
    { sizes: [2859, 1200, 1986], n: 6045, min: 0 },
    { sizes: [333, 333, 334], n: 10, min: 0 },
    { sizes: [7, 7, 7, 7, 7, 7, 7], n: 20, min: 0 },
    { sizes: [10_000, 5_000, 143], n: 1000, min: 0 },
  ])('sums to the sample and is within one of the proportional share: $sizes, n=$n', ({ sizes, n, min }) => {
    const out = allocate(strata(sizes), n, min);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(out.reduce((a, s) => a + s.allocated, 0)).toBe(Math.min(n, total));
    for (const s of out) expect(Math.abs(s.allocated - (n * s.population) / total)).toBeLessThan(1);
  });

  it.each([
    { sizes: [1000, 1000, 20, 5], n: 100, min: 10, expectSmall: [10, 5] },
    { sizes: [900, 60, 40], n: 50, min: 8, expectSmall: [8, 8] },
  ])('holds up small strata at the minimum (or all of them) and still sums: $sizes', ({ sizes, n, min, expectSmall }) => {
    const out = allocate(strata(sizes), n, min);
    expect(out.reduce((a, s) => a + s.allocated, 0)).toBe(n);
    expect(out.slice(-2).map((s) => s.allocated)).toEqual(expectSmall);
    for (const s of out) expect(s.allocated).toBeGreaterThanOrEqual(Math.min(min, s.population));
    // The strata the minimum does not hold up share the rest in proportion, within one.
    const free = out.filter((s) => s.allocated > Math.min(min, s.population));
    const freeN = free.reduce((a, s) => a + s.allocated, 0);
    const freeTotal = free.reduce((a, s) => a + s.population, 0);
    for (const s of free) expect(Math.abs(s.allocated - (freeN * s.population) / freeTotal)).toBeLessThan(1);
  });

  it('sums exactly on many random cases', () => {
    const random = seededRandom('allocation-property');
    for (let round = 0; round < 500; round++) {
      const sizes = Array.from({ length: 1 + Math.floor(random() * 12) }, () => Math.floor(random() * 400));
      const total = sizes.reduce((a, b) => a + b, 0);
      const min = Math.floor(random() * 6);
      const n = Math.floor(random() * (total + 10));
      const floor = sizes.reduce((a, s) => a + Math.min(min, s), 0);
      if (floor > n && n < total) {
        expect(() => allocate(strata(sizes), n, min)).toThrow(AllocationError);
        continue;
      }
      const out = allocate(strata(sizes), n, min);
      expect(out.reduce((a, s) => a + s.allocated, 0)).toBe(Math.min(n, total));
      for (const s of out) {
        expect(s.allocated).toBeLessThanOrEqual(s.population);
        expect(s.allocated).toBeGreaterThanOrEqual(Math.min(min, s.population, n >= total ? s.population : min));
      }
    }
  });

  it('refuses a minimum the sample cannot hold', () => {
    expect(() => allocate(strata([100, 100, 100]), 20, 10)).toThrow(/need 30, more than the sample size 20/);
  });
});

function population(n: number): PopulationMember[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, stratum: ['province', 'commune', 'district'][i % 3]!, person: `8491${String(i % Math.floor(n * 0.9)).padStart(7, '0')}`, finishedAt: i }));
}

describe('drawSample', () => {
  const pop = population(3000);
  it('draws the same citizens from the same seed, whatever the row order, and others from another seed', () => {
    const a = drawSample({ population: pop, sampleSize: 300, minPerStratum: 20, seed: 'dot-2026-08', excluded: new Set() });
    const b = drawSample({ population: [...pop].reverse(), sampleSize: 300, minPerStratum: 20, seed: 'dot-2026-08', excluded: new Set() });
    const c = drawSample({ population: pop, sampleSize: 300, minPerStratum: 20, seed: 'dot-2026-09', excluded: new Set() });
    const ids = (s: typeof a) => s.members.map((m) => m.id).sort((x, y) => x - y);
    expect(ids(b)).toEqual(ids(a));
    expect(ids(c)).not.toEqual(ids(a));
    expect(a.members).toHaveLength(300);
    expect(a.strata.reduce((sum, s) => sum + s.drawn, 0)).toBe(300);
  });

  it('draws nobody twice (one dossier per citizen) and nobody excluded', () => {
    const excluded = new Set(pop.slice(1000, 1500).map((m) => m.person));
    const s = drawSample({ population: pop, sampleSize: 2000, minPerStratum: 0, seed: 'x', excluded });
    const persons = s.members.map((m) => m.person);
    expect(new Set(persons).size).toBe(persons.length);
    expect(persons.filter((p) => excluded.has(p))).toEqual([]);
    expect(s.excludedCount).toBeGreaterThanOrEqual(500);
    expect(s.duplicateCount).toBeGreaterThan(0);
  });
});

describe('call queue rules', () => {
  const windows = ['08:00-11:00', '14:00-16:30', '18:00-20:00'];
  const tz = 'Asia/Ho_Chi_Minh';
  it('retries an unanswered call in a part of the day not tried yet', () => {
    const morning = new Date('2026-11-02T02:00:00Z'); // 09:00 local
    const next = nextAttemptTime([morning], morning, windows, tz);
    expect(windowOf(next, windows, tz)).toBe(1);
    const afternoon = new Date('2026-11-02T08:00:00Z'); // 15:00 local
    const third = nextAttemptTime([morning, afternoon], afternoon, windows, tz);
    expect(windowOf(third, windows, tz)).toBe(2);
    expect(third.toISOString()).toBe('2026-11-02T11:00:00.000Z');
  });
  it('gives up after the attempt limit and needs a future time to call back', () => {
    const now = new Date('2026-11-02T02:00:00Z');
    const base = { previousAttempts: [], now, maxAttempts: 3, windows, timeZone: tz };
    expect(decideOutcome('no_answer', { ...base, attemptsBefore: 2 })).toEqual({ status: 'unreachable', nextAttemptAt: null });
    expect(decideOutcome('no_answer', { ...base, attemptsBefore: 0 })).toMatchObject({ status: 'no_answer' });
    expect(decideOutcome('call_back', { ...base, attemptsBefore: 0 })).toEqual({ refused: 'call_back needs callBackAt' });
    expect(decideOutcome('call_back', { ...base, attemptsBefore: 0, callBackAt: new Date(now.getTime() - 1) })).toMatchObject({ refused: expect.any(String) });
  });
  it.each([
    ['TỪ CHỐI', true],
    ['tu choi', true],
    ['Tôi từ chối.', true],
    ['STOP', true],
    ['Hồ sơ của tôi đến đâu rồi, tôi không từ chối gì cả nhưng muốn hỏi thêm về thời hạn giải quyết', false],
    ['cảm ơn', false],
  ])('reads "%s" as an opt-out: %s', (text, expected) => {
    expect(isOptOut(text, ['tu choi', 'khong dong y', 'huy', 'stop'])).toBe(expected);
  });
});
