/**
 * Corrects a query word against the index vocabulary, so the search itself can be exact: a
 * deletion neighbourhood (SymSpell) built once per knowledge base turns "one typo away" into a
 * few map look-ups instead of a fuzzy walk over every term of the index at every question.
 */
export interface TypoCorrector {
  /** The vocabulary word one edit away (insertion, deletion, substitution or swap), or undefined. */
  correct(word: string): string | undefined;
  /** Two vocabulary words run together ("dangky", "khaisinh"), or undefined. */
  split(word: string): [string, string] | undefined;
}

/** Shorter words are too often another real word one edit away ("sinh" / "sanh" / "xinh"). */
const minLength = 4;

const deletions = (word: string): string[] => {
  const out: string[] = [];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
};

/** Optimal string alignment distance, only as far as telling 0, 1 or more apart. */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length, lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * @param vocabulary every word the index knows, with how many entries use it: among several
 *   corrections the most used one wins, the way a person reading the message would guess.
 */
export function createTypoCorrector(vocabulary: ReadonlyMap<string, number>): TypoCorrector {
  const byDeletion = new Map<string, string[]>();
  const add = (key: string, word: string) => {
    const list = byDeletion.get(key);
    if (list) list.push(word);
    else byDeletion.set(key, [word]);
  };
  for (const word of vocabulary.keys()) {
    if (word.length < minLength) continue;
    add(word, word);
    for (const d of new Set(deletions(word))) add(d, word);
  }
  const weight = (w: string) => vocabulary.get(w) ?? 0;
  const better = (a: string | undefined, b: string) => (a === undefined || weight(b) > weight(a) || (weight(b) === weight(a) && b < a) ? b : a);

  return {
    correct(word) {
      if (word.length < minLength) return undefined;
      let best: string | undefined;
      for (const key of [word, ...deletions(word)]) {
        for (const candidate of byDeletion.get(key) ?? []) {
          if (candidate.length >= minLength && withinOneEdit(word, candidate)) best = better(best, candidate);
        }
      }
      return best;
    },
    split(word) {
      let best: [string, string] | undefined;
      let bestWeight = 0;
      for (let i = 2; i <= word.length - 2; i++) {
        const left = word.slice(0, i), right = word.slice(i);
        const w = Math.min(weight(left), weight(right));
        if (w > bestWeight) [best, bestWeight] = [[left, right], w];
      }
      return best;
    },
  };
}
