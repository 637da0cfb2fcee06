import MiniSearch from 'minisearch';
import { containsPhrase, expandPhrases, fold, repairTelex, words } from './fold.ts';
import type { KnowledgeBase } from './load.ts';
import type { KnowledgeEntry } from './schema.ts';

export interface Candidate {
  entryId: string;
  /** 0..1: the share of the question's meaning (IDF-weighted terms) this entry explains. */
  score: number;
}

export interface MatchResult {
  candidates: Candidate[];
  /** The question's terms after folding, repair, synonyms and stop words. */
  terms: string[];
  intents: { complaint: boolean; howTo: boolean; person: boolean; greeting: boolean; thanks: boolean };
}

/** The parts of a candidate's score, for tuning and for the inbox's explanations. */
export interface ScoreParts {
  /** Share of the question's meaning found anywhere in the entry. */
  full: number;
  /** Share of the question's meaning the best variant explains. */
  question: number;
  /** How completely the question states that variant. */
  variant: number;
  /** Share of the question's meaning found anywhere in the knowledge base. */
  known?: number;
}

interface EntryDoc {
  id: number;
  entryId: string;
  /** How the entry is asked: title, keywords, question variants. */
  asked: string;
  /** Everything the entry says, the answer included. */
  full: string;
}

/** A fuzzy match counts for less than an exact one. */
const fuzzyWeight = 0.7;

/**
 * Matches a citizen's question to knowledge-base entries. MiniSearch finds the candidates over
 * pre-folded unigrams and syllable bigrams ("khai_sinh"), with edit distance 1 for typos; each is
 * then scored by how much of the question it explains, so a question with many words the
 * knowledge base never uses (weather, football) scores low however well one word matches.
 */
/**
 * One confidence from the parts: half how much of the question the entry covers, half how well
 * one way of asking fits, scaled by how much of the question the knowledge base knows at all.
 * Chosen on test/router/kb-eval.jsonl among a few blends (see the router's README).
 */
export const combine = (p: ScoreParts) => (0.5 * p.full + 0.5 * Math.sqrt(p.question * p.variant)) * (p.known ?? 1);

export function createMatcher(kb: KnowledgeBase) {
  const lex = kb.lexicon;
  const foldList = (items: string[]) => items.map((item) => words(item)).filter((w) => w.length > 0);
  const stop = new Set(lex.stopwords.map(fold));
  const synonyms: Array<[string[], string[]]> = Object.entries(lex.synonyms)
    .map(([from, to]): [string[], string[]] => [words(from), words(to)])
    .sort((a, b) => b[0].length - a[0].length);
  const markers = {
    complaint: foldList(lex.complaintMarkers),
    howTo: foldList(lex.howToMarkers),
    person: foldList(lex.personRequests),
    greeting: foldList(lex.greetings),
    thanks: foldList(lex.thanks),
  };

  let vocabulary = new Set<string>();
  const known = (w: string) => vocabulary.has(w);

  // Greetings and thanks carry no question: they are recognised as intents, then dropped.
  const courtesy: Array<[string[], string[]]> = [...markers.greeting, ...markers.thanks].map((phrase): [string[], string[]] => [phrase, []]).sort((a, b) => b[0].length - a[0].length);

  /** Folded, repaired, expanded words without stop words. */
  function meaningful(text: string): string[] {
    const repaired = words(text).map((w) => repairTelex(w, known));
    return expandPhrases(expandPhrases(repaired, courtesy), synonyms).filter((w) => !stop.has(w));
  }

  const terms = (text: string) => {
    const base = meaningful(text);
    const bigrams = base.slice(1).map((w, i) => `${base[i]}_${w}`);
    return [...base, ...bigrams];
  };

  // One document per entry for the search; each way of asking is scored afterwards, in memory,
  // for the few entries the search ranks first (an entry scores by its best-fitting variant).
  const docs: EntryDoc[] = kb.entries.map((entry, id) => ({
    id,
    entryId: entry.id,
    asked: [entry.title, ...entry.keywords, ...entry.questions].join(' \n '),
    full: [entry.title, entry.fieldName, ...entry.keywords, ...entry.questions, entry.answer, entry.where ?? '', ...(entry.documents ?? [])].join(' \n '),
  }));
  // The vocabulary for telex repair comes from the raw words first (repair needs it to tokenize).
  vocabulary = new Set(docs.flatMap((d) => words(d.full)).concat(Object.values(lex.synonyms).flatMap((s) => words(s))));
  const variants = kb.entries.map((entry) => [`${entry.title} ${entry.keywords.join(' ')}`, entry.title, ...entry.questions].map((text) => new Set(terms(text))));
  const fullTerms = docs.map((d) => new Set(terms(d.full)));
  // Rarity is counted over entries, on how each is asked (title, keywords, questions) rather than
  // on the answers, which mention neighbouring procedures ("kết hôn" in a birth answer).
  const documentFrequency = new Map<string, number>();
  for (const sets of variants) {
    for (const term of new Set(sets.flatMap((set) => [...set]))) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const entryCount = kb.entries.length || 1;
  const idfCache = new Map<string, number>();
  const idf = (term: string) => {
    let value = idfCache.get(term);
    if (value === undefined) {
      value = Math.log(1 + entryCount / (1 + (documentFrequency.get(term) ?? 0)));
      // Query words the knowledge base never saw are not worth keeping for the next question.
      if (documentFrequency.has(term)) idfCache.set(term, value);
    }
    return value;
  };
  const variantWeights = variants.map((sets) => sets.map((set) => [...set].reduce((sum, term) => sum + idf(term), 0) || 1));

  const index = new MiniSearch<EntryDoc>({
    fields: ['asked', 'full'],
    storeFields: ['entryId'],
    tokenize: (text) => terms(text),
    processTerm: (term) => term,
  });
  index.addAll(docs);

  const entries = new Map<string, KnowledgeEntry>(kb.entries.map((e) => [e.id, e]));

  function match(text: string, limit = 5): MatchResult {
    const folded = words(text);
    const intents = {
      complaint: containsPhrase(folded, markers.complaint),
      howTo: containsPhrase(folded, markers.howTo),
      person: containsPhrase(folded, markers.person),
      greeting: containsPhrase(folded, markers.greeting),
      thanks: containsPhrase(folded, markers.thanks),
    };
    const queryTerms = terms(text);
    if (queryTerms.length === 0) return { candidates: [], terms: queryTerms, intents };
    const unique = [...new Set(queryTerms)];
    const queryTermSet = new Set(unique);
    const total = unique.reduce((sum, term) => sum + idf(term), 0);
    const results = index.search(unique.join(' '), {
      combineWith: 'OR',
      fuzzy: (term) => (term.length >= 4 ? 1 : false),
      boost: { asked: 2 },
      tokenize: (q) => q.split(' '),
      processTerm: (term) => term,
    });
    // The share of the question the knowledge base knows at all: a question about bus times
    // or football is mostly words no entry uses, however well one word matches.
    const knownTerms = new Set<string>();
    for (const result of results) for (const term of result.queryTerms) knownTerms.add(term);
    const known = [...knownTerms].reduce((sum, term) => sum + idf(term), 0) / total;

    const weights = unique.map(idf);
    const best = new Map<string, number>();
    for (const result of results.slice(0, 25)) {
      const id = result.id as number;
      const exact = fullTerms[id]!;
      let explained = 0;
      for (const term of result.queryTerms) explained += idf(term) * (exact.has(term) ? 1 : fuzzyWeight);
      const parts: ScoreParts = { full: explained / total, question: 0, variant: 0, known };
      // Document terms reached only through a typo ("sinhf" -> "sinh"); usually none.
      const viaTypo = result.terms.filter((term) => !queryTermSet.has(term));
      variants[id]!.forEach((variant, v) => {
        let exactSum = 0;
        for (let i = 0; i < unique.length; i++) if (variant.has(unique[i]!)) exactSum += weights[i]!;
        let typoSum = 0;
        for (const term of viaTypo) if (variant.has(term)) typoSum += idf(term);
        const share = Math.min(1, (exactSum + fuzzyWeight * typoSum) / total);
        const completeness = Math.min(1, (exactSum + typoSum) / variantWeights[id]![v]!);
        if (share * completeness > parts.question * parts.variant) Object.assign(parts, { question: share, variant: completeness });
      });
      best.set(result.entryId as string, combine(parts));
    }
    const candidates = [...best.entries()]
      .map(([entryId, score]) => ({ entryId, score: Math.round(score * 1000) / 1000 }))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
    return { candidates, terms: queryTerms, intents };
  }

  return { match, entry: (id: string) => entries.get(id), entries: (): readonly KnowledgeEntry[] => kb.entries, size: kb.entries.length };
}

export type Matcher = ReturnType<typeof createMatcher>;
