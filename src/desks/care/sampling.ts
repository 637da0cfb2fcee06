// Drawing a campaign's sample: pure, so the allocation and the draw are table-tested without a
// store, and a supervisor who runs the same campaign again with the same seed gets the same people.
import { createHash } from 'node:crypto';

/** One member of the population: a dossier, its stratum, and the citizen it belongs to. */
export interface PopulationMember {
  id: number;
  stratum: string;
  /** Who the citizen is (normalized phone or email): one citizen is drawn at most once. */
  person: string;
  /** Later dossiers stand for the citizen when they have several (epoch ms; 0 when unknown). */
  finishedAt: number;
}

export interface StratumAllocation {
  key: string;
  /** Citizens eligible in the stratum after exclusions. */
  population: number;
  allocated: number;
}

export class AllocationError extends Error {
  constructor(
    readonly code: 'minimum_exceeds_sample' | 'invalid_size',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits `sampleSize` over strata in proportion to their sizes (largest remainder), with at least
 * `minPerStratum` in each (or the whole stratum when it is smaller). The counts sum to exactly
 * `min(sampleSize, population)`; a stratum not held up by the minimum gets its proportional share
 * of what the minimums leave, rounded down or up (within one of it).
 */
export function allocate(strata: ReadonlyArray<{ key: string; size: number }>, sampleSize: number, minPerStratum = 0): StratumAllocation[] {
  if (!Number.isInteger(sampleSize) || sampleSize < 0 || !Number.isInteger(minPerStratum) || minPerStratum < 0) {
    throw new AllocationError('invalid_size', 'sample size and minimum per stratum must be whole numbers, not negative');
  }
  const keys = strata.map((s) => s.key);
  if (new Set(keys).size !== keys.length) throw new AllocationError('invalid_size', 'strata keys must be unique');
  const total = strata.reduce((sum, s) => sum + s.size, 0);
  const result = new Map(strata.map((s) => [s.key, 0]));
  if (sampleSize >= total) {
    for (const s of strata) result.set(s.key, s.size);
    return strata.map((s) => ({ key: s.key, population: s.size, allocated: s.size }));
  }
  const floors = strata.map((s) => Math.min(minPerStratum, s.size));
  const floorSum = floors.reduce((a, b) => a + b, 0);
  if (floorSum > sampleSize) {
    throw new AllocationError('minimum_exceeds_sample', `${strata.length} strata with at least ${minPerStratum} each need ${floorSum}, more than the sample size ${sampleSize}`);
  }
  // Strata whose proportional share falls below the minimum are fixed at it; the rest share what
  // is left in proportion, recomputed until no more strata fall below (the usual constrained
  // proportional allocation).
  const fixed = new Set<string>();
  for (;;) {
    const free = strata.filter((s) => !fixed.has(s.key));
    const left = sampleSize - strata.filter((s) => fixed.has(s.key)).reduce((sum, s) => sum + Math.min(minPerStratum, s.size), 0);
    const freeTotal = free.reduce((sum, s) => sum + s.size, 0);
    const below = free.filter((s) => freeTotal > 0 && (left * s.size) / freeTotal < Math.min(minPerStratum, s.size));
    if (below.length === 0) break;
    for (const s of below) fixed.add(s.key);
  }
  for (const s of strata) if (fixed.has(s.key)) result.set(s.key, Math.min(minPerStratum, s.size));
  const free = strata.filter((s) => !fixed.has(s.key));
  const left = sampleSize - [...fixed].reduce((sum, key) => sum + result.get(key)!, 0);
  const freeTotal = free.reduce((sum, s) => sum + s.size, 0);
  const shares = free.map((s) => {
    const exact = freeTotal > 0 ? (left * s.size) / freeTotal : 0;
    return { key: s.key, size: s.size, base: Math.floor(exact), remainder: exact - Math.floor(exact) };
  });
  let remaining = left - shares.reduce((sum, s) => sum + s.base, 0);
  // Largest remainders get the units left over; equal remainders go to the larger stratum, then
  // by key, so the outcome never depends on the order the strata came in.
  const order = [...shares].sort((a, b) => b.remainder - a.remainder || b.size - a.size || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const share of order) {
    if (remaining === 0) break;
    if (share.base < share.size) {
      share.base += 1;
      remaining -= 1;
    }
  }
  for (const share of shares) result.set(share.key, share.base);
  return strata.map((s) => ({ key: s.key, population: s.size, allocated: result.get(s.key)! }));
}

/** A deterministic generator of numbers in [0, 1) from a text seed (sha256 -> xoshiro128**). */
export function seededRandom(seed: string): () => number {
  const digest = createHash('sha256').update(seed).digest();
  const s: number[] = [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
  if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1;
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  return () => {
    const result = (rotl(Math.imul(s[1]!, 5) >>> 0, 7) * 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] = (s[2]! ^ s[0]!) >>> 0;
    s[3] = (s[3]! ^ s[1]!) >>> 0;
    s[1] = (s[1]! ^ s[2]!) >>> 0;
    s[0] = (s[0]! ^ s[3]!) >>> 0;
    s[2] = (s[2]! ^ t) >>> 0;
    s[3] = rotl(s[3]!, 11);
    return result / 4294967296;
  };
}

/** `count` distinct items drawn at random (partial Fisher-Yates), in the order drawn. */
export function drawWithoutReplacement<T>(items: readonly T[], count: number, random: () => number): T[] {
  const pool = [...items];
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}

export interface SampleRequest {
  population: readonly PopulationMember[];
  sampleSize: number;
  minPerStratum: number;
  seed: string;
  /** Citizens not to draw: contacted within the exclusion window, or opted out. */
  excluded: ReadonlySet<string>;
}

export interface Sample {
  strata: Array<StratumAllocation & { drawn: number }>;
  members: PopulationMember[];
  /** Members left out because their citizen is excluded, and dossiers of a citizen drawn once. */
  excludedCount: number;
  duplicateCount: number;
}

/**
 * The sample: excluded citizens removed, one dossier per citizen (the latest), the size split
 * over the strata by `allocate`, then each stratum drawn with its own generator (seed + stratum)
 * from its members sorted by id, so neither the database's row order nor a change in another
 * stratum changes who is drawn.
 */
export function drawSample(request: SampleRequest): Sample {
  const eligible = request.population.filter((m) => !request.excluded.has(m.person));
  const latest = new Map<string, PopulationMember>();
  for (const member of eligible) {
    const seen = latest.get(member.person);
    if (!seen || member.finishedAt > seen.finishedAt || (member.finishedAt === seen.finishedAt && member.id > seen.id)) latest.set(member.person, member);
  }
  const byStratum = new Map<string, PopulationMember[]>();
  for (const member of latest.values()) {
    const list = byStratum.get(member.stratum) ?? [];
    list.push(member);
    byStratum.set(member.stratum, list);
  }
  const keys = [...byStratum.keys()].sort();
  const allocation = allocate(
    keys.map((key) => ({ key, size: byStratum.get(key)!.length })),
    request.sampleSize,
    request.minPerStratum,
  );
  const members: PopulationMember[] = [];
  const strata = allocation.map((a) => {
    const pool = [...byStratum.get(a.key)!].sort((x, y) => x.id - y.id);
    const drawn = drawWithoutReplacement(pool, a.allocated, seededRandom(`${request.seed}\u0000${a.key}`));
    members.push(...drawn);
    return { ...a, drawn: drawn.length };
  });
  return { strata, members, excludedCount: request.population.length - eligible.length, duplicateCount: eligible.length - latest.size };
}
