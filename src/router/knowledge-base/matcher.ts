import MiniSearch from 'minisearch';
import { containsPhrase, expandPhrases, holdsPhrase, isSyllable, phraseIndex, phraseTable, repairTelex, tokens, words, type Token } from './fold.ts';
import { createTypoCorrector } from './typo.ts';
import type { KnowledgeBase } from './load.ts';
import type { KnowledgeEntry } from './schema.ts';

export interface Candidate {
  entryId: string;
  /** 0..1: the share of the question's meaning (IDF-weighted terms) this entry explains. */
  score: number;
  /**
   * How precisely the question names this entry: the number of word pairs of the longest of its
   * names (title, keywords) the question holds whole; 0 when it names none. "trích lục khai tử"
   * (2) names the extract more precisely than "khai tử" (1) names the death registration.
   */
  named: number;
}

export interface MatchResult {
  candidates: Candidate[];
  /** The question's terms after folding, repair, synonyms and stop words. */
  terms: string[];
  intents: { complaint: boolean; offTopic: boolean; howTo: boolean; person: boolean; greeting: boolean; thanks: boolean };
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
  /** 1 when the question names the entry: its title or one of its keywords of two words or more. */
  named?: number;
}

interface EntryDoc {
  id: number;
  entryId: string;
  /** How the entry is asked: title, keywords, question variants. */
  asked: string;
  /** Everything the entry says, the answer included. */
  full: string;
}

/** A word reached by correcting a typo counts for less than one typed right. */
const fuzzyWeight = 0.7;

/** How many of the search's first results are scored way of asking by way of asking. */
const rescored = 15;

/**
 * How many of the question's rarest known terms the search looks up: at least `least`, then
 * more while their postings stay within a quarter of the entries.
 */
const retrievalTerms = { least: 1, most: 6 };

/**
 * At most this many postings walked per question, however large the knowledge base grows:
 * MiniSearch builds a result per posting, and at 1,000 entries the garbage of 250 made the
 * collector's pauses the p99 of a match. The real knowledge base stays under it (entries / 4).
 */
const maxPostings = 150;

/** Corrections remembered across questions; citizens reuse the same few hundred words. */
const correctionCacheSize = 20_000;

/** Neighbouring words as index terms: "khai", "sinh" -> "khai_sinh". */
const bigrams = (words: readonly string[]) => words.slice(1).map((next, i) => `${words[i]}_${next}`);

/** Naming the procedure ("xác nhận tình trạng hôn nhân") is strong evidence; 0.1 chosen on the tuning set. */
const namedWeight = 0.1;

/** Maps the blend's separating point (about 0.51 on the tuning set) to the 0.3 threshold. */
const calibration = 0.59;

/**
 * One confidence from the parts: how much of the question the entry covers anywhere, how much
 * of it one way of asking explains and how completely the question states that way, damped by
 * the share of the question the knowledge base knows at all. Scaled so that the configured
 * `router.answerThreshold` (0.3) sits where test/router/kb-eval.jsonl separates answerable
 * questions from out-of-scope ones (see the router's README); chosen there among a few blends.
 */
export const combine = (p: ScoreParts) => calibration * (0.4 * p.full + 0.3 * p.question + 0.3 * p.variant + namedWeight * (p.named ?? 0)) * Math.sqrt(p.known ?? 1);

export interface MatcherOptions {
  /** Turns a candidate's parts into its confidence instead of `combine`: for trying other blends. */
  combine?: (parts: ScoreParts) => number;
}

/**
 * Matches a citizen's question to knowledge-base entries. Each query word is first repaired
 * against the index vocabulary (telex leftovers, two words run together, one typo), all of it
 * precomputed when the knowledge base is loaded; MiniSearch then finds the candidates by exact
 * look-up over pre-folded unigrams and syllable bigrams ("khai_sinh"). Each candidate is scored
 * by how much of the question it explains, so a question with many words the knowledge base
 * never uses (weather, football) scores low however well one word matches.
 */
export function createMatcher(kb: KnowledgeBase, options: MatcherOptions = {}) {
  const score = options.combine ?? combine;
  const lex = kb.lexicon;
  const foldList = (items: string[]) => items.map((item) => words(item)).filter((w) => w.length > 0);
  // A stop word typed with its accents is recognised by them ("đang" is one, "đăng" is not);
  // typed without, by its folded form, and then it stays when it and a neighbour name something
  // the knowledge base names ("dang ky", "ban sao", "can cuoc").
  const single = lex.stopwords.filter((w) => words(w).length === 1);
  const stopTyped = new Set(single.map((w) => w.normalize('NFC').toLowerCase()));
  const stopFolded = new Set(single.flatMap((w) => words(w)));
  const namedPairs = new Set(
    kb.entries.flatMap((e) => [e.title, ...e.keywords].flatMap((name) => bigrams(words(name)))),
  );
  const synonymList: Array<[string[], string[]]> = Object.entries(lex.synonyms).map(([from, to]): [string[], string[]] => [words(from), words(to)]);
  const synonyms = phraseTable(synonymList);
  const markers = {
    complaint: foldList(lex.complaintMarkers),
    offTopic: foldList(lex.offTopicMarkers),
    howTo: foldList(lex.howToMarkers),
    person: foldList(lex.personRequests),
    greeting: foldList(lex.greetings),
    thanks: foldList(lex.thanks),
  };
  // Looked for in every question: indexed by first word, the text is walked once per list.
  const markerIndex = {
    complaint: phraseIndex(markers.complaint),
    offTopic: phraseIndex(markers.offTopic),
    howTo: phraseIndex(markers.howTo),
    person: phraseIndex(markers.person),
    greeting: phraseIndex(markers.greeting),
    thanks: phraseIndex(markers.thanks),
  };
  // Greetings and thanks carry no question: they are recognised as intents, then dropped.
  // Stop words of several words ("đồng tháp": every question here is about the province) go
  // with them.
  const stopPhrases = foldList(lex.stopwords).filter((phrase) => phrase.length > 1);
  const courtesy = phraseTable([...markers.greeting, ...markers.thanks, ...stopPhrases].map((phrase): [string[], string[]] => [phrase, []]));

  // One document per entry for the search; each way of asking is scored afterwards, in memory,
  // for the entries the search ranks first (an entry scores by its best-fitting variant).
  const docs: EntryDoc[] = kb.entries.map((entry, id) => ({
    id,
    entryId: entry.id,
    asked: [entry.title, ...entry.keywords, ...entry.questions].join(' \n '),
    full: [entry.title, entry.fieldName, ...entry.keywords, ...entry.questions, entry.answer, entry.where ?? '', ...(entry.documents ?? [])].join(' \n '),
  }));

  // The words repair may land on: what the entries say, counted by entry so a correction
  // prefers the common reading, plus the lexicon's own words so "cccd" or "ko" stay as typed.
  const wordWeight = new Map<string, number>();
  for (const doc of docs) for (const w of new Set(words(doc.full))) wordWeight.set(w, (wordWeight.get(w) ?? 0) + 1);
  for (const w of Object.values(lex.synonyms).flatMap((s) => words(s))) if (!wordWeight.has(w)) wordWeight.set(w, 1);
  const lexiconWords = new Set([...stopFolded, ...synonymList.flatMap(([from]) => from), ...Object.values(markers).flat(2)]);
  const known = (w: string) => wordWeight.has(w) || lexiconWords.has(w);
  const typo = createTypoCorrector(wordWeight);

  const corrections = new Map<string, { words: string[]; typo: boolean }>();
  /** One folded word as the knowledge base would spell it. */
  function repairWord(word: string): { words: string[]; typo: boolean } {
    let hit = corrections.get(word);
    if (hit) return hit;
    const telex = repairTelex(word, known);
    if (known(telex)) hit = { words: [telex], typo: false };
    else if (!/^[a-z]+$/.test(word) || isSyllable(word)) hit = { words: [word], typo: false };
    else {
      const joined = word.length >= 6 ? typo.split(word) : undefined;
      const corrected = joined ? undefined : typo.correct(word);
      hit = joined ? { words: joined, typo: false } : corrected ? { words: [corrected], typo: true } : { words: [word], typo: false };
    }
    if (corrections.size >= correctionCacheSize) corrections.clear();
    corrections.set(word, hit);
    return hit;
  }

  interface Word {
    w: string;
    stop: boolean;
    /** Typed without accents, so possibly a stop word only once folded ("sao" in "ban sao"). */
    plain: boolean;
  }
  const fromLexicon = (w: string): Word => ({ w, stop: false, plain: false });
  const wordOf = (item: Word) => item.w;

  /** Folded, repaired, expanded words without stop words, and those reached through a typo. */
  function meaningful(text: string | readonly Token[], viaTypo?: Set<string>): string[] {
    let items: Word[] = [];
    for (const token of typeof text === 'string' ? tokens(text) : text) {
      // Telex leftovers and typos come from typing without an input method.
      const fixed = token.accented ? { words: [token.word], typo: false } : repairWord(token.word);
      if (fixed.typo) viaTypo?.add(fixed.words[0]!);
      if (fixed.words.length === 1) items.push({ w: fixed.words[0]!, stop: token.accented ? stopTyped.has(token.typed) : stopFolded.has(fixed.words[0]!), plain: !token.accented });
      else for (const w of fixed.words) items.push({ w, stop: stopFolded.has(w), plain: true });
    }
    items = expandPhrases(expandPhrases(items, wordOf, courtesy, fromLexicon), wordOf, synonyms, fromLexicon);
    const named = (a: Word | undefined, b: Word | undefined) => a !== undefined && b !== undefined && namedPairs.has(`${a.w}_${b.w}`);
    return items
      .filter((item, i) => !item.stop || (item.plain && ((!items[i - 1]?.stop && named(items[i - 1], item)) || (!items[i + 1]?.stop && named(item, items[i + 1])))))
      .map(wordOf);
  }

  const withBigrams = (base: string[]) => [...base, ...bigrams(base)];
  const terms = (text: string) => withBigrams(meaningful(text));

  const variants = kb.entries.map((entry) => [`${entry.title} ${entry.keywords.join(' ')}`, entry.title, ...entry.questions].map((text) => new Set(terms(text))));
  const fullTerms = docs.map((d) => new Set(terms(d.full)));
  // How each entry is named (title, keywords), as the phrase bigrams a question naming it holds.
  const names = kb.entries.map((entry) =>
    [entry.title, ...entry.keywords].map((name) => meaningful(name)).filter((w) => w.length >= 2).map(bigrams),
  );
  // The same names by their first bigram: a question is checked against the few names it can
  // hold, not against every name of every entry.
  const namesByFirst = new Map<string, Array<{ id: number; bigrams: string[] }>>();
  names.forEach((of, id) => {
    for (const pairs of of) {
      const list = namesByFirst.get(pairs[0]!);
      if (list) list.push({ id, bigrams: pairs });
      else namesByFirst.set(pairs[0]!, [{ id, bigrams: pairs }]);
    }
  });
  /** In how many entries each term occurs anywhere, the answers included. */
  const postings = new Map<string, number>();
  for (const set of fullTerms) for (const term of set) postings.set(term, (postings.get(term) ?? 0) + 1);
  const indexTerms: ReadonlySet<string> = new Set(postings.keys());
  // Rarity is counted over entries, on how each is asked (title, keywords, questions) rather than
  // on the answers, which mention neighbouring procedures ("kết hôn" in a birth answer).
  const documentFrequency = new Map<string, number>();
  for (const sets of variants) {
    for (const term of new Set(sets.flatMap((set) => [...set]))) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const entryCount = kb.entries.length || 1;
  const idf = (term: string) => Math.log(1 + entryCount / (1 + (documentFrequency.get(term) ?? 0)));
  /** For each entry, the ways of asking (indexes into its variants) that use each term. */
  const variantsOfTerm = variants.map((sets) => {
    const byTerm = new Map<string, number[]>();
    sets.forEach((set, v) => {
      for (const term of set) byTerm.set(term, [...(byTerm.get(term) ?? []), v]);
    });
    return byTerm;
  });
  // Postings the search may walk per question, in entries: the rarer terms come first.
  const retrievalBudget = Math.min(entryCount / 4, maxPostings);
  const variantWeights = variants.map((sets) => sets.map((set) => [...set].reduce((sum, term) => sum + idf(term), 0) || 1));
  // What each way of asking explains of a question, summed per candidate: two buffers for every
  // candidate of every question (a typed array is slow to allocate; matching is synchronous).
  const mostVariants = Math.max(1, ...variants.map((sets) => sets.length));
  const certainOf = new Float64Array(mostVariants);
  const foundOf = new Float64Array(mostVariants);

  const index = new MiniSearch<EntryDoc>({
    // Only how an entry is asked is searched: what its answer says counts in the score, not in
    // finding it, and leaving the answers out keeps the index (and its garbage) small.
    fields: ['asked'],
    storeFields: ['entryId'],
    tokenize: (text) => terms(text),
    processTerm: (term) => term,
  });
  index.addAll(docs);

  // Each term's postings with their BM25 score, asked of the index the first time a question
  // uses the term (the knowledge base's vocabulary bounds them; a reload builds a new matcher).
  // A search of several terms is then MiniSearch's OR done over these: the scores summed in
  // the order of the terms, times how many of them a document holds, ranked by that, ties in
  // document order. MiniSearch itself built a result object per posting per question.
  const termPostings = new Map<string, ReadonlyArray<{ id: number; score: number }>>();
  const postingsOf = (term: string) => {
    let list = termPostings.get(term);
    if (!list) {
      list = index
        .search(term, { tokenize: (t) => [t] })
        .map((r) => ({ id: r.id as number, score: r.score }))
        .sort((a, b) => a.id - b.id);
      termPostings.set(term, list);
    }
    return list;
  };
  function search(terms: readonly string[]): Array<{ id: number; score: number }> {
    const sums = new Map<number, { id: number; score: number; terms: number }>();
    for (const term of terms) {
      for (const posting of postingsOf(term)) {
        const hit = sums.get(posting.id);
        if (hit) {
          hit.score += posting.score;
          hit.terms++;
        } else sums.set(posting.id, { id: posting.id, score: posting.score, terms: 1 });
      }
    }
    const ranked: Array<{ id: number; score: number }> = [];
    for (const hit of sums.values()) ranked.push({ id: hit.id, score: hit.score * hit.terms });
    return ranked.sort((a, b) => b.score - a.score);
  }

  const entries = new Map<string, KnowledgeEntry>(kb.entries.map((e) => [e.id, e]));
  // An entry that says it needs a word ("nước ngoài" for the foreign marriage) is not the answer
  // to a question without one, however many of its other words match: a wrong answer sends a
  // citizen to the wrong office, so its score is halved and the bot asks or hands off instead.
  const required = kb.entries.map((entry) => foldList(entry.requires));
  const requiredFactor = 0.5;

  function match(text: string, limit = 5): MatchResult {
    // Tokenised once: the intents read the folded words, the terms the tokens.
    const typed = tokens(text);
    const folded = typed.map((token) => token.word);
    const intents = {
      complaint: holdsPhrase(folded, markerIndex.complaint),
      offTopic: holdsPhrase(folded, markerIndex.offTopic),
      howTo: holdsPhrase(folded, markerIndex.howTo),
      person: holdsPhrase(folded, markerIndex.person),
      greeting: holdsPhrase(folded, markerIndex.greeting),
      thanks: holdsPhrase(folded, markerIndex.thanks),
    };
    const viaTypo = new Set<string>();
    const base = meaningful(typed, viaTypo);
    const queryTerms = withBigrams(base);
    if (queryTerms.length === 0) return { candidates: [], terms: queryTerms, intents };
    const unique = [...new Set(queryTerms)];
    const asked = new Set(unique);
    // A bigram reached through a typo is as uncertain as its word.
    const certainty = unique.map((term) => (term.split('_').some((w) => viaTypo.has(w)) ? fuzzyWeight : 1));
    // A bigram the knowledge base never uses ("tu_me" across "khai tử cho mẹ") says nothing
    // about the question that its two words do not: only known bigrams weigh, as phrase evidence.
    const weights = unique.map((term) => (term.includes('_') && !indexTerms.has(term) ? 0 : idf(term)));
    const total = weights.reduce((sum, w) => sum + w, 0);
    // The share of the question the knowledge base knows at all: a question about bus times
    // or football is mostly words no entry uses, however well one word matches.
    let knownSum = 0;
    for (let i = 0; i < unique.length; i++) if (indexTerms.has(unique[i]!)) knownSum += weights[i]! * certainty[i]!;
    const known = knownSum / total;
    if (knownSum === 0) return { candidates: [], terms: queryTerms, intents };

    // The candidates come from the question's rarest known terms: common ones ("ho_so", "xa")
    // are in most entries and would only make the search walk every posting to rank nothing.
    const retrieval: string[] = [];
    let looked = 0;
    for (const term of unique.filter((t, i) => weights[i]! > 0 && documentFrequency.has(t)).sort((a, b) => documentFrequency.get(a)! - documentFrequency.get(b)!)) {
      const frequency = documentFrequency.get(term)!;
      if (retrieval.length >= retrievalTerms.most || (retrieval.length >= retrievalTerms.least && looked + frequency > retrievalBudget)) break;
      retrieval.push(term);
      looked += frequency;
    }
    const found = search(retrieval).slice(0, rescored);
    // The entries the question names are scored even when its rarer words led the search
    // elsewhere ("xác nhận tình trạng hôn nhân để đi xuất khẩu lao động").
    const namedLength = new Map<number, number>();
    for (const term of unique) {
      for (const name of namesByFirst.get(term) ?? []) {
        if (name.bigrams.length > (namedLength.get(name.id) ?? 0) && name.bigrams.every((b) => asked.has(b))) namedLength.set(name.id, name.bigrams.length);
      }
    }
    const results = found.map((r) => ({ id: r.id, entryId: docs[r.id]!.entryId }));
    const inResults = new Set(found.map((r) => r.id));
    for (const id of [...namedLength.keys()].sort((a, b) => a - b)) if (!inResults.has(id)) results.push({ id, entryId: docs[id]!.entryId });
    const meant = new Set([...folded, ...base]);
    const says = (phrase: string[]) => (phrase.length === 1 ? meant.has(phrase[0]!) : containsPhrase(folded, [phrase]) || containsPhrase(base, [phrase]));
    // Only the terms some entry has can explain anything; unknown ones weigh in `total` alone.
    const present: Array<{ term: string; weight: number; certain: number }> = [];
    for (let i = 0; i < unique.length; i++) if (weights[i]! > 0 && indexTerms.has(unique[i]!)) present.push({ term: unique[i]!, weight: weights[i]!, certain: weights[i]! * certainty[i]! });
    const best = new Map<string, Candidate>();
    for (const result of results) {
      const id = result.id;
      const inEntry = fullTerms[id]!;
      const byVariant = variantsOfTerm[id]!;
      const variantCount = variantWeights[id]!.length;
      const certain = certainOf.fill(0, 0, variantCount);
      const found = foundOf.fill(0, 0, variantCount);
      let explained = 0;
      for (const { term, weight, certain: sure } of present) {
        if (!inEntry.has(term)) continue;
        explained += sure;
        for (const v of byVariant.get(term) ?? []) {
          certain[v]! += sure;
          found[v]! += weight;
        }
      }
      const nameLength = namedLength.get(id) ?? 0;
      const named = nameLength > 0 ? 1 : 0;
      const parts: ScoreParts = { full: explained / total, question: 0, variant: 0, known, named };
      for (let v = 0; v < variantCount; v++) {
        const share = Math.min(1, certain[v]! / total);
        const completeness = Math.min(1, found[v]! / variantWeights[id]![v]!);
        if (share * completeness > parts.question * parts.variant) [parts.question, parts.variant] = [share, completeness];
      }
      const needs = required[id]!;
      const factor = needs.length && !needs.some(says) ? requiredFactor : 1;
      best.set(result.entryId, { entryId: result.entryId, score: Math.round(score(parts) * factor * 1000) / 1000, named: nameLength });
    }
    const candidates = [...best.values()]
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
    return { candidates, terms: queryTerms, intents };
  }

  return { match, entry: (id: string) => entries.get(id), entries: (): readonly KnowledgeEntry[] => kb.entries, size: kb.entries.length };
}

export type Matcher = ReturnType<typeof createMatcher>;
