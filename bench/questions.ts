// Citizens' questions for the load benches. One text sent over and over measured a cache, not
// the bot: every step of the match (folding, repair, search, scoring) remembers or is fast on a
// text it has seen. These are the evaluation sets' questions, as citizens write them (accents or
// not, telex leftovers, southern words), the out-of-scope ones included: a realistic mix of
// answers, clarifications and handoffs.
import { readFileSync } from 'node:fs';
import { root } from './lib.ts';

const sets = ['kb-eval.jsonl', 'kb-eval-holdout.jsonl', 'kb-eval-holdout2.jsonl', 'kb-eval-dialect.jsonl'];

interface Line {
  text: string;
  expect: string;
}

function read(): Line[] {
  const lines: Line[] = [];
  for (const set of sets) {
    for (const line of readFileSync(`${root}test/router/${set}`, 'utf8').split('\n')) {
      if (line.trim()) lines.push(JSON.parse(line) as Line);
    }
  }
  // Spread the sets through each other, so a short run still sees all kinds.
  return lines.map((line, i) => ({ line, key: (i * 7919) % lines.length })).sort((a, b) => a.key - b.key).map(({ line }) => line);
}

const all = read();
/** Every question (about 750), out-of-scope ones (handed to a person) included. */
export const questions: readonly string[] = all.map((line) => line.text);
/** The questions the knowledge base answers (or asks which procedure was meant): the bot always
 * writes back to these, so a widget visitor asking one waits for an answer. */
export const answerable: readonly string[] = all.filter((line) => line.expect !== 'handoff').map((line) => line.text);

/** The n-th question, rotating. */
export const question = (n: number): string => questions[n % questions.length]!;
