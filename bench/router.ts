import { readFileSync } from 'node:fs';
import os from 'node:os';
import { loadConfig } from '../src/core/config/load-config.ts';
import { decideRoute, routeRules } from '../src/router/decide-route.ts';
import { loadKnowledgeBase } from '../src/router/knowledge-base/load.ts';
import { createMatcher } from '../src/router/knowledge-base/matcher.ts';
import type { KnowledgeEntry } from '../src/router/knowledge-base/schema.ts';
import { fmt, root } from './lib.ts';

export interface RouterBench {
  entries: number;
  questions: number;
  p50: number;
  p99: number;
  max: number;
  /**
   * The same percentiles in CPU time of the process (includes the collector's threads): on a
   * shared machine wall time also counts the moments the scheduler ran someone else.
   */
  cpuP50: number;
  cpuP99: number;
  buildMs: number;
}

/**
 * Match latency of decideRoute (folding, index search, scoring) with the knowledge base grown to
 * `size` entries: the real entries, then copies localised to each of the province's communes and
 * wards ("... tại Phường Mỹ Tho"), which adds vocabulary the way local variants would.
 */
export function benchRouter(size = 1000, rounds = 20): RouterBench {
  const kb = loadKnowledgeBase(`${root}config/knowledge-base`);
  const units = (JSON.parse(readFileSync(`${root}config/units/dong-thap-units.json`, 'utf8')) as { units: Array<{ name: string }> }).units;
  const entries: KnowledgeEntry[] = [...kb.entries];
  for (let i = 0; entries.length < size; i++) {
    const base = kb.entries[i % kb.entries.length]!;
    const unit = units[Math.floor(i / kb.entries.length) % units.length]!.name;
    entries.push({ ...base, id: `${base.id}-${i}`, title: `${base.title} tại ${unit}`, questions: base.questions.map((q) => `${q} ở ${unit}`) });
  }
  const started = performance.now();
  const matcher = createMatcher({ entries, lexicon: kb.lexicon });
  const buildMs = performance.now() - started;
  const { file } = loadConfig({});
  const rules = routeRules({ ...file.router, defaultTeam: 'tiep-nhan-chung' }, matcher, new Set<string>());
  const questions = readFileSync(`${root}test/router/kb-eval.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { text: string }).text);
  const conversation = { handler: 'bot' as const, pendingChoices: null };
  for (const text of questions) decideRoute(conversation, { text, suppressAutoReply: false, attachments: 0 }, rules, new Date());
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const text of questions) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      decideRoute(conversation, { text, suppressAutoReply: false, attachments: 0 }, rules, new Date());
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const cpu = process.cpuUsage(c0);
      cpuSamples.push((cpu.user + cpu.system) / 1e3);
    }
  }
  const at = (list: number[], q: number) => list[Math.min(list.length - 1, Math.floor(q * list.length))]!;
  samples.sort((a, b) => a - b);
  cpuSamples.sort((a, b) => a - b);
  return { entries: entries.length, questions: samples.length, p50: at(samples, 0.5), p99: at(samples, 0.99), max: samples.at(-1)!, cpuP50: at(cpuSamples, 0.5), cpuP99: at(cpuSamples, 0.99), buildMs };
}

export function printRouter(r: RouterBench): void {
  console.log(`router match: ${fmt(r.entries)} entries (index built in ${fmt(r.buildMs)} ms), ${fmt(r.questions)} questions`);
  console.log(`  p50 ${fmt(r.p50, 3)} ms   p99 ${fmt(r.p99, 3)} ms   max ${fmt(r.max, 3)} ms   (target p99 < 2 ms)`);
  console.log(`  cpu time: p50 ${fmt(r.cpuP50, 3)} ms   p99 ${fmt(r.cpuP99, 3)} ms   (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores)`);
}
