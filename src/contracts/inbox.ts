// The agents' API as the web app reads it (src/inbox/*-api.ts, src/core/http, the router's
// suggestion): JSON shapes, so instants are ISO strings. The server and web/inbox both import
// these; the web app keeps no copy of its own.

export type Role = 'agent' | 'supervisor' | 'admin' | string;

export type ConversationStatus = 'open' | 'pending' | 'resolved';

export type Presence = 'online' | 'away' | 'offline';

export interface Agent {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  teamIds: number[];
  mfaSetupRequired: boolean;
}

export interface ConversationSummary {
  id: number;
  status: ConversationStatus;
  inboxId: number;
  channel: string;
  contactId: number;
  contactName: string | null;
  teamId: number | null;
  assigneeId: number | null;
  lastMessageAt: string;
  lastInboundAt: string | null;
  createdAt: string;
  resolvedAt: string | null;
  handler: 'bot' | 'human';
  waitingSince: string | null;
  labelIds: number[];
}

export interface Conversation extends ConversationSummary {
  contactPhone: string | null;
  contactEmail: string | null;
}

export interface Message {
  id: number;
  direction: 'in' | 'out' | 'note' | 'activity';
  senderType: string;
  senderRef: string | null;
  text: string | null;
  attachments: MessageFile[];
  status: string;
  error: string | null;
  externalId: string | null;
  metadata: unknown;
  createdAt: string;
  sentAt: string | null;
}

/** A file of a message: `url` downloads it once stored; `state` says why not otherwise. */
export interface MessageFile {
  id: number | null;
  kind: string;
  name: string | null;
  mimeType: string | null;
  size: number | null;
  state: 'stored' | 'pending' | 'too_large' | 'refused_type' | 'failed' | null;
  detail: string | null;
  url: string | null;
  meta?: Record<string, unknown>;
}

/** An agent's upload, ready for a reply. */
export interface Upload {
  id: number;
  kind: string;
  name: string | null;
  mimeType: string;
  size: number;
}

export interface ReplyWindow {
  open: boolean;
  reason?: string;
  closesAt?: string;
  remainingReplies?: number;
  /** `platform`: the platform's own count (Zalo's quota API); `rule`: the channel's fixed rule, an estimate. */
  source?: 'platform' | 'rule';
}

export interface Team {
  id: number;
  key: string;
  name: string;
}

export interface AgentRow {
  id: number;
  username: string;
  displayName: string;
  role: string;
  capacity: number;
  presence: Presence;
  teams: string[];
  disabled: boolean;
}

export interface CannedAnswer {
  id: number;
  shortcut: string;
  title: string;
  body: string;
  teamId: number | null;
  createdAt: string;
  updatedAt: string;
  /** A file sent with it (a form template). */
  attachmentId?: number | null;
}

export interface Label {
  id: number;
  key: string;
  name: string;
  color: string | null;
}

export interface ContactDetail {
  id: number;
  name: string | null;
  phone: string | null;
  email: string | null;
  createdAt: string;
  updatedAt: string;
  /** `following`: whether they follow the account (Zalo OA follow/unfollow); null when the platform never said. */
  identities: Array<{ id: number; inboxId: number; inboxName: string; channel: string; externalUserId: string; displayName: string | null; following: boolean | null; createdAt: string }>;
  conversations: Array<{ id: number; channel: string; status: string; lastMessageAt: string }>;
}

export interface ContactMatch {
  id: number;
  name: string | null;
  phone: string | null;
  email: string | null;
  channels: string[];
}

/** Where an inbox's interactive sign-in stands (a personal Zalo account's QR code); `qrImage` is a `data:` URL. */
export type SignInState =
  | { step: 'idle' }
  | { step: 'starting'; at: string }
  | { step: 'waiting_scan'; at: string; qrImage: string }
  | { step: 'scanned'; at: string; displayName: string }
  | { step: 'expired'; at: string }
  | { step: 'declined'; at: string }
  | { step: 'signed_in'; at: string; displayName: string | null }
  | { step: 'failed'; at: string; reason: string };

export interface InboxRow {
  id: number;
  key: string;
  channel: string;
  name: string;
  status: 'active' | 'needs_reconnect' | 'disabled';
  statusDetail: string | null;
  updatedAt: string;
}

export interface BusinessHoursView {
  timezone: string;
  configured: boolean;
  weekly: Record<string, string[]>;
  daysOff: Array<{ date: string; name: string }>;
  makeUpDays: string[];
  openNow: boolean;
  nextOpening: string | null;
}

export interface KnowledgeSummary {
  id: string;
  title: string;
  field: string;
  fieldName: string;
  team: string;
  level: string;
  reviewed: boolean;
  lastReviewed: string;
  /** current: reviewed and in date; unreviewed: never checked; overdue: past its review-by date. */
  reviewState: 'current' | 'unreviewed' | 'overdue';
  reviewedBy?: string;
  reviewedAt?: string;
  reviewedAgainst?: string;
  reviewBy?: string;
}

/** An entry the bot considered before handing a conversation to people. */
export interface ConsideredEntry {
  entryId: string;
  title: string;
  answer: string;
  score: number | null;
  reviewState: string;
  suggested: boolean;
}

/** What the bot considered on a conversation's latest handoff, and why it did not answer. */
export interface Considered {
  handoffMessageId: number | null;
  reason: string | null;
  terms: string[];
  entries: ConsideredEntry[];
}

export interface KnowledgeEntry extends KnowledgeSummary {
  questions: string[];
  keywords: string[];
  answer: string;
  where?: string;
  documents?: string[];
  processingTime?: string;
  fee?: string;
  onlineUrl?: string | null;
  legalBasis: string[];
  sources: string[];
}

export interface ConversationQuery {
  status?: string;
  channel?: string;
  assigneeId?: number;
  labelId?: number;
  /** ISO date-times on the last message. */
  from?: string;
  to?: string;
  q?: string;
  cursor?: string;
  limit?: number;
}

export interface AgentInput {
  username: string;
  displayName: string;
  role: string;
  capacity: number;
  teams: string[];
  password?: string;
}

export interface Suggestion {
  decision: 'answer' | 'clarify' | 'handoff';
  entryId?: string;
  reason?: string;
  score: number;
  /** The entry's answer text, when the server includes it. */
  answer?: string;
  title?: string;
}

export interface SignedIn {
  agent: Agent;
  csrfToken: string;
}

/** A page of the conversation list; `nextCursor` asks for the next one. */
export interface ConversationPage {
  items: ConversationSummary[];
  nextCursor: string | null;
}

/** A reply or note queued: the outbox sends it and the live feed tells its status. */
export interface ReplyQueued {
  messageId: number;
  status: string;
}

/** A conversation's status, team, assignee or handler changed (or already as asked). */
export interface ConversationChanged {
  id: number;
  status: ConversationStatus;
  changed: boolean;
}

/** The labels of a conversation after one was put on or taken off. */
export interface ConversationLabels {
  conversationId: number;
  labelIds: number[];
  changed: boolean;
}

export interface KnowledgeSaved {
  id: string;
  created: boolean;
  entries: number;
}

export interface KnowledgeReloaded {
  reloaded: boolean;
  entries: number;
}

export interface PasswordChanged {
  ok: boolean;
  /** Other sessions were ended; this one too when true. */
  signInAgain: boolean;
}

/** Two-factor setup begun: the secret, its otpauth URI and a QR code of it. */
export interface MfaSetup {
  secret: string;
  uri: string;
  qrSvg: string;
}
