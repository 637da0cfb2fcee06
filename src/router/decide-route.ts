import type { FileConfig } from '../core/config/file-schema.ts';
import type { Matcher, MatchResult } from './knowledge-base/matcher.ts';

/** What the router knows of the conversation when a citizen's message arrives. */
export interface RouteConversation {
  /** 'human' once an agent has taken it: the bot stays silent until it is given back. */
  handler: 'bot' | 'human';
  /** Entry ids the bot offered in its last message ("1. ... 2. ..."), if it asked. */
  pendingChoices: string[] | null;
  /**
   * The team of what the conversation is about (the entry the bot last answered or offered, or
   * its ticket's field), null before it has a topic. A request for a person goes there: the words
   * "gặp nhân viên" say nothing of the procedure.
   */
  topicTeam?: string | null;
}

export interface RouteMessage {
  text: string | null;
  /** Auto-replies, bounces and lists are stored but never answered. */
  suppressAutoReply: boolean;
  attachments: number;
}

export interface RouteRules {
  matcher: Matcher;
  /** Confidence at or above which the bot answers. */
  answerThreshold: number;
  /** Two candidates closer than this both above the threshold: ask which one. */
  clarifyMargin: number;
  /** The runner-up above the threshold and within this share of the best: ask which one. */
  clarifyRatio: number;
  /** The entry suggested to the operator who takes a complaint (how to send one). */
  complaintEntry?: string;
  /** The team for questions the knowledge base does not place. */
  defaultTeam: string;
  /** Teams that exist; an entry's team outside them falls back to the default. */
  teams: ReadonlySet<string>;
  /** Whether people answer now (business hours, holidays). */
  open: (now: Date) => boolean;
  /**
   * Whether the bot may send this entry to a citizen (`router.answerUnreviewed` off: only entries
   * the hotline reviewed and still in date). Absent: every entry. A question that matches one it
   * may not send goes to people, with the entry suggested to the operator.
   */
  answerable?: (entryId: string) => boolean;
}

export type HandoffReason = 'complaint' | 'person' | 'off_topic' | 'low_confidence' | 'no_text' | 'unreviewed';

export type RouteDecision =
  | { kind: 'ignore'; reason: 'human' | 'suppressed' }
  | { kind: 'answer'; entryId: string; score: number; match: MatchResult }
  | { kind: 'clarify'; choices: string[]; score: number; match: MatchResult }
  | { kind: 'greeting' | 'thanks'; match: MatchResult }
  | { kind: 'handoff'; reason: HandoffReason; team: string; withinHours: boolean; match: MatchResult | null; suggested?: string[] };

/** The rules as the configuration gives them: one place, for the router, kb:eval, tests and bench. */
export function routeRules(
  settings: Pick<FileConfig['router'], 'answerThreshold' | 'clarifyMargin' | 'clarifyRatio' | 'defaultTeam'> & { complaintEntry?: string },
  matcher: Matcher,
  teams: ReadonlySet<string>,
  open: (now: Date) => boolean = () => true,
  answerable?: (entryId: string) => boolean,
): RouteRules {
  return { matcher, answerThreshold: settings.answerThreshold, clarifyMargin: settings.clarifyMargin, clarifyRatio: settings.clarifyRatio, complaintEntry: settings.complaintEntry, defaultTeam: settings.defaultTeam, teams, open, ...(answerable ? { answerable } : {}) };
}

const choiceNumber = /^\s*(\d{1,2})\s*[.)]?\s*$/;
/** A short word that asks for a person (the footer of every bot answer names it). */
const shortPersonWords = new Set(['0', 'nv', 'nhan vien', 'gap nv']);
// Longer texts (even decomposed, as some keyboards type them) are not folded to be looked up: the
// folding cost more than the look-up, for every message.
const shortPersonLength = 24;

/**
 * Decides what happens to a citizen's message. Pure: the same input gives the same decision;
 * router.ts carries it out.
 */
export function decideRoute(conversation: RouteConversation, message: RouteMessage, rules: RouteRules, now: Date): RouteDecision {
  if (conversation.handler === 'human') return { kind: 'ignore', reason: 'human' };
  if (message.suppressAutoReply) return { kind: 'ignore', reason: 'suppressed' };
  const withinHours = rules.open(now);
  const handoff = (reason: HandoffReason, match: MatchResult | null, suggested?: string[]): RouteDecision => ({
    kind: 'handoff',
    reason,
    team: suggested?.length ? teamOfEntry(suggested[0]!, rules) : (reason === 'person' || reason === 'no_text') && conversation.topicTeam && rules.teams.has(conversation.topicTeam) ? conversation.topicTeam : teamFor(match, rules),
    withinHours,
    match,
    ...(suggested?.length ? { suggested } : {}),
  });
  const answerable = (entryId: string) => rules.answerable?.(entryId) ?? true;

  const text = message.text?.trim() ?? '';
  // A picture or file with no words (an ID photo, a document) needs a person's eyes.
  if (!text) return handoff('no_text', null);

  const match = rules.matcher.match(text);
  if (match.intents.person || (text.length <= shortPersonLength && shortPersonWords.has(text.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd')))) return handoff('person', match);
  const picked = choiceNumber.exec(text);
  if (picked) {
    if (!conversation.pendingChoices) return handoff('low_confidence', match);
    const entryId = conversation.pendingChoices[Number(picked[1]) - 1];
    // A number that is not one of the choices: ask again with the same choices.
    if (entryId && !answerable(entryId)) return handoff('unreviewed', match, [entryId]);
    return entryId ? { kind: 'answer', entryId, score: 1, match } : { kind: 'clarify', choices: conversation.pendingChoices, score: 0, match };
  }
  if (match.intents.complaint && !match.intents.howTo) {
    // A complaint about an official or a service is a person's to take, never the bot's to
    // answer; the operator is offered the entry on how to send one formally.
    const suggested = rules.complaintEntry && rules.matcher.entry(rules.complaintEntry) ? [rules.complaintEntry] : [];
    return { ...handoff('complaint', match), suggested } as RouteDecision;
  }
  if (match.intents.offTopic) return handoff('off_topic', match);

  const [first, second] = match.candidates;
  if (!first || first.score < rules.answerThreshold) {
    if (match.terms.length === 0 && match.intents.thanks) return { kind: 'thanks', match };
    if (match.terms.length === 0 && match.intents.greeting) return { kind: 'greeting', match };
    return handoff('low_confidence', match);
  }
  if (second && second.score >= rules.answerThreshold && (first.score - second.score < rules.clarifyMargin || second.score >= rules.clarifyRatio * first.score)) {
    const choices = [first.entryId, second.entryId];
    if (!choices.every(answerable)) return handoff('unreviewed', match, choices);
    return { kind: 'clarify', choices, score: first.score, match };
  }
  if (!answerable(first.entryId)) return handoff('unreviewed', match, [first.entryId]);
  return { kind: 'answer', entryId: first.entryId, score: first.score, match };
}

/** The team of an entry the bot may not send: the people who know its procedure. */
function teamOfEntry(entryId: string, rules: RouteRules): string {
  const team = rules.matcher.entry(entryId)?.team;
  return team && rules.teams.has(team) ? team : rules.defaultTeam;
}

/** The team of the best candidate the knowledge base has, even below the answer threshold. */
function teamFor(match: MatchResult | null, rules: RouteRules): string {
  const top = match?.candidates[0];
  const team = top && top.score >= rules.answerThreshold / 2 ? rules.matcher.entry(top.entryId)?.team : undefined;
  return team && rules.teams.has(team) ? team : rules.defaultTeam;
}
