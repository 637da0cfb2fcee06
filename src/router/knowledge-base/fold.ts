/** Folds Vietnamese for matching: NFD, drop combining marks, đ -> d (it does not decompose), lowercase. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}

// "kí" and "ký", "lí" and "lý" are the same syllable spelt two ways, both taught and both typed.
const finalY = /^([bcdghklmnprstvx]+)y$/;
const spell = (folded: string) => (folded.length <= 4 ? folded.replace(finalY, '$1i') : folded);

/** One word of a message: as typed (lowercase), and folded for matching. */
export interface Token {
  typed: string;
  /** Folded, a final y after a consonant spelt i. */
  word: string;
  /** Typed with diacritics (or đ): "đang" then is not "đăng", as it would be once folded. */
  accented: boolean;
}

// Folding is pure and citizens reuse a few thousand words: remember them (bounded).
const folded = new Map<string, Token>();
const foldedCacheSize = 50_000;

function token(typed: string): Token {
  let hit = folded.get(typed);
  if (!hit) {
    const plain = fold(typed);
    hit = { typed, word: spell(plain), accented: plain !== typed };
    if (folded.size >= foldedCacheSize) folded.clear();
    folded.set(typed, hit);
  }
  return hit;
}

/** The words of a text: letters and digits only. */
export function tokens(text: string): Token[] {
  return text
    .normalize('NFC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map(token);
}

/** Folded words of a text: letters and digits only, a final y after a consonant spelt i. */
export function words(text: string): string[] {
  return tokens(text).map((t) => t.word);
}

// The shape of a Vietnamese syllable once folded: onset, optional glide, vowel nucleus, coda.
// A word of that shape is most likely a real word the knowledge base does not use ("xanh",
// "phim"), not a typo of one it does ("sinhh", "dnag"): only the others are corrected.
const syllable = /^(ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnprstvx])?[ou]?(ie|ia|ye|ya|uo|ua|uu|a|e|i|o|u|y)(ch|ng|nh|[cmnptiouy])?$/;

/** Whether a folded word has the shape of a Vietnamese syllable. */
export const isSyllable = (word: string): boolean => syllable.test(word);

/** Phrases (folded words -> replacement) by their first word, longest first: built once per lexicon. */
export type PhraseTable = ReadonlyMap<string, ReadonlyArray<[string[], string[]]>>;

export function phraseTable(phrases: ReadonlyArray<[string[], string[]]>): PhraseTable {
  const table = new Map<string, Array<[string[], string[]]>>();
  for (const phrase of [...phrases].sort((a, b) => b[0].length - a[0].length)) {
    const first = phrase[0][0];
    if (first === undefined) continue;
    const list = table.get(first);
    if (list) list.push(phrase);
    else table.set(first, [phrase]);
  }
  return table;
}

/** Replaces whole-word phrases by their expansions, made by `make`; the longest phrase wins. */
export function expandPhrases<T>(items: T[], word: (item: T) => string, table: PhraseTable, make: (w: string) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < items.length; ) {
    const hit = table.get(word(items[i]!))?.find(([from]) => from.every((w, k) => i + k < items.length && word(items[i + k]!) === w));
    if (hit) {
      for (const w of hit[1]) out.push(make(w));
      i += hit[0].length;
    } else out.push(items[i++]!);
  }
  return out;
}

/** Whether the folded words hold `phrase` as whole words starting at `at`. */
function phraseAt(folded: readonly string[], at: number, phrase: readonly string[]): boolean {
  if (at + phrase.length > folded.length) return false;
  for (let k = 0; k < phrase.length; k++) if (folded[at + k] !== phrase[k]) return false;
  return true;
}

/** Whether the folded text holds one of the folded phrases as whole words. */
export function containsPhrase(folded: readonly string[], phrases: ReadonlyArray<readonly string[]>): boolean {
  for (const phrase of phrases) {
    if (phrase.length === 0) {
      if (folded.length > 0) return true;
      continue;
    }
    for (let i = 0; i < folded.length; i++) if (phraseAt(folded, i, phrase)) return true;
  }
  return false;
}

/** Phrases by their first word, built once per lexicon: a text is then looked through once
 * (`holdsPhrase`) instead of once per phrase, and the lexicon's lists hold hundreds. */
export type PhraseIndex = ReadonlyMap<string, ReadonlyArray<readonly string[]>>;

export function phraseIndex(phrases: ReadonlyArray<readonly string[]>): PhraseIndex {
  const index = new Map<string, Array<readonly string[]>>();
  for (const phrase of phrases) {
    const first = phrase[0];
    if (first === undefined) continue;
    const list = index.get(first);
    if (list) list.push(phrase);
    else index.set(first, [phrase]);
  }
  return index;
}

/** `containsPhrase` for phrases indexed by `phraseIndex` (empty phrases left out). */
export function holdsPhrase(folded: readonly string[], index: PhraseIndex): boolean {
  for (let i = 0; i < folded.length; i++) {
    const list = index.get(folded[i]!);
    if (list) for (const phrase of list) if (phraseAt(folded, i, phrase)) return true;
  }
  return false;
}

// Telex typed without an input method leaves tone letters behind ("dang kys", "khai sinhf")
// and doubled vowels ("ddawng"): undo them when that turns an unknown word into a known one.
const telexTones = /[sfrxj]$/;
const telexMarks: Array<[RegExp, string]> = [
  [/dd/g, 'd'],
  [/aa|aw/g, 'a'],
  [/ee/g, 'e'],
  [/oo|ow/g, 'o'],
  [/uw/g, 'u'],
];

export function repairTelex(word: string, known: (w: string) => boolean): string {
  if (known(word)) return word;
  let candidate = word;
  for (const [pattern, replacement] of telexMarks) candidate = candidate.replace(pattern, replacement);
  candidate = spell(candidate);
  if (known(candidate)) return candidate;
  const toneless = spell(candidate.slice(0, -1));
  if (telexTones.test(candidate) && known(toneless)) return toneless;
  return word;
}
