import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { containsPhrase, holdsPhrase, phraseIndex, words } from '../../src/router/knowledge-base/fold.ts';
import { loadKnowledgeBase } from '../../src/router/knowledge-base/load.ts';

const root = new URL('../../', import.meta.url).pathname;

describe('phrases indexed by first word', () => {
  it('finds exactly what a walk over every phrase finds, on the lexicon and the evaluation questions', () => {
    const { lexicon } = loadKnowledgeBase(`${root}config/knowledge-base`);
    const lists = [lexicon.complaintMarkers, lexicon.offTopicMarkers, lexicon.howToMarkers, lexicon.personRequests, lexicon.greetings, lexicon.thanks].map((list) =>
      list.map((phrase) => words(phrase)).filter((phrase) => phrase.length > 0),
    );
    const questions = readFileSync(`${root}test/router/kb-eval.jsonl`, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { text: string }).text);
    let found = 0;
    for (const list of lists) {
      const index = phraseIndex(list);
      for (const question of questions) {
        const folded = words(question);
        const expected = containsPhrase(folded, list);
        expect(holdsPhrase(folded, index), question).toBe(expected);
        if (expected) found++;
      }
    }
    // Both outcomes occur, so the comparison says something.
    expect(found).toBeGreaterThan(20);
    expect(found).toBeLessThan(lists.length * questions.length - 20);
  });

  it('matches a phrase only whole, and at the end of a text', () => {
    const index = phraseIndex([['gap', 'nhan', 'vien'], ['khieu', 'nai']]);
    expect(holdsPhrase(['cho', 'toi', 'gap', 'nhan', 'vien'], index)).toBe(true);
    expect(holdsPhrase(['cho', 'toi', 'gap', 'nhan'], index)).toBe(false);
    expect(holdsPhrase(['khieu'], index)).toBe(false);
    expect(holdsPhrase([], index)).toBe(false);
  });
});
