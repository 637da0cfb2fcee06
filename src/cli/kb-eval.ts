// npm run kb:eval -- <file.jsonl> [--kb config/knowledge-base]
// npm run kb:eval -- --export-accepted <out.jsonl>: the ways of asking supervisors accepted from
// operators' answers, as an evaluation file (the store is DATABASE_URL's, as the gateway's).
// Each line: {"text": "...", "expect": "<entry id>" | "handoff" | "greeting" | "thanks"}. Prints
// top-1 accuracy over the answerable lines, handoff precision and recall, how many greetings and
// thanks got the friendly reply, the share of all lines answered with a wrong entry (confidently
// wrong: the one outcome that sends a citizen off with the wrong papers), and every miss.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config/load-config.ts';
import { projectRoot } from '../core/config/project-root.ts';
import { decideRoute, routeRules } from '../router/decide-route.ts';
import { loadKnowledgeBase } from '../router/knowledge-base/load.ts';
import { createMatcher } from '../router/knowledge-base/matcher.ts';
import { createKbProposals } from '../router/knowledge-base/proposals.ts';
import { openStore } from '../core/store/store.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { kb: { type: 'string' }, quiet: { type: 'boolean', default: false }, 'export-accepted': { type: 'string' } } });
if (values['export-accepted']) {
  const { env } = loadConfig();
  const store = await openStore({ url: env.DATABASE_URL, sqliteSynchronous: env.SQLITE_SYNCHRONOUS });
  const accepted = await createKbProposals(store).list('accepted', 100_000);
  writeFileSync(values['export-accepted'], accepted.map((p) => `${JSON.stringify({ text: p.acceptedQuestion ?? p.question, expect: p.entryId })}\n`).join(''));
  console.log(`${accepted.length} accepted ways of asking written to ${values['export-accepted']}`);
  await store.close();
  process.exit(0);
}
if (positionals.length !== 1) {
  process.stderr.write('usage: npm run kb:eval -- <file.jsonl> [--kb <folder>] | --export-accepted <out.jsonl>\n');
  process.exit(64);
}
const config = loadConfig();
const router = config.file.router;
const matcher = createMatcher(loadKnowledgeBase(resolve(projectRoot, values.kb ?? router.knowledgeBase)));
const rules = routeRules(router, matcher, new Set(config.file.teams.map((t) => t.key)));

const lines = readFileSync(positionals[0]!, 'utf8').split('\n').filter((l) => l.trim());
let answerable = 0, correct = 0, confidentlyWrong = 0, clarifiedRight = 0, handoffExpected = 0, handoffPredicted = 0, handoffRight = 0, courtesy = 0, courtesyRight = 0;
const misses: string[] = [];
for (const line of lines) {
  const { text, expect } = JSON.parse(line) as { text: string; expect: string };
  const d = decideRoute({ handler: 'bot', pendingChoices: null }, { text, suppressAutoReply: false, attachments: 0 }, rules, new Date());
  const predicted = d.kind === 'answer' ? d.entryId : d.kind === 'clarify' ? `clarify:${d.choices.join('|')}` : d.kind === 'handoff' ? 'handoff' : d.kind;
  if (predicted === 'handoff') handoffPredicted++;
  if (d.kind === 'answer' && d.entryId !== expect) confidentlyWrong++;
  if (expect === 'greeting' || expect === 'thanks') {
    // A bare greeting or thanks gets the friendly reply, not an answer and not a person.
    courtesy++;
    if (predicted === expect) courtesyRight++;
    else misses.push(`expected ${expect}, got ${predicted}: ${text}`);
  } else if (expect === 'handoff') {
    handoffExpected++;
    if (predicted === 'handoff') handoffRight++;
    else misses.push(`expected handoff, got ${predicted}: ${text}`);
  } else {
    answerable++;
    if (predicted === expect) correct++;
    else if (d.kind === 'clarify' && d.choices.includes(expect)) clarifiedRight++;
    else {
      const top = 'match' in d && d.match ? d.match.candidates.slice(0, 3).map((c) => `${c.entryId}:${c.score}`).join(' ') : '';
      misses.push(`expected ${expect}, got ${predicted} [${top}]: ${text}`);
    }
  }
}
const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((a / b) * 100).toFixed(1)}%`);
console.log(`lines: ${lines.length} (${answerable} answerable, ${handoffExpected} handoff)`);
console.log(`top-1 accuracy: ${pct(correct, answerable)} (${correct}/${answerable}); asked to choose with the right entry among the choices: ${clarifiedRight}`);
console.log(`handoff recall: ${pct(handoffRight, handoffExpected)} (${handoffRight}/${handoffExpected}); precision: ${pct(handoffRight, handoffPredicted)} (${handoffRight}/${handoffPredicted})`);
console.log(`confidently wrong: ${pct(confidentlyWrong, lines.length)} (${confidentlyWrong}/${lines.length} answered with a wrong entry)`);
if (courtesy) console.log(`greetings and thanks answered as such: ${pct(courtesyRight, courtesy)} (${courtesyRight}/${courtesy})`);
if (!values.quiet && misses.length) console.log(`misses:\n  ${misses.join('\n  ')}`);
