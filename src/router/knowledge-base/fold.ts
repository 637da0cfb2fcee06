/** Folds Vietnamese for matching: NFD, drop combining marks, đ -> d (it does not decompose), lowercase. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}

/** Folded words of a text: letters and digits only. */
export function words(text: string): string[] {
  return fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Replaces whole-word phrases (already folded, longest first) by their expansions. */
export function expandPhrases(folded: string[], phrases: ReadonlyArray<[string[], string[]]>): string[] {
  const out: string[] = [];
  for (let i = 0; i < folded.length; ) {
    const hit = phrases.find(([from]) => from.every((word, k) => folded[i + k] === word));
    if (hit) {
      out.push(...hit[1]);
      i += hit[0].length;
    } else out.push(folded[i++]!);
  }
  return out;
}

/** Whether the folded text holds one of the folded phrases as whole words. */
export function containsPhrase(folded: string[], phrases: ReadonlyArray<string[]>): boolean {
  return phrases.some((phrase) => folded.some((_, i) => phrase.every((word, k) => folded[i + k] === word)));
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
  if (known(candidate)) return candidate;
  if (telexTones.test(candidate) && known(candidate.slice(0, -1))) return candidate.slice(0, -1);
  return word;
}
