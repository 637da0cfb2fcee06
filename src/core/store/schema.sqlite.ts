// SQLite schema: the same tables and columns as schema.pg.ts (a test holds them equal). Times are
// stored as epoch milliseconds and surface as Date, JSON as text, so repositories see the same
// JavaScript values on both dialects.
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const at = (name: string) => integer(name, { mode: 'timestamp_ms' });
const json = (name: string) => text(name, { mode: 'json' });
const id = () => integer('id').primaryKey({ autoIncrement: true });

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const inboxes = sqliteTable('inboxes', {
  id: id(),
  key: text('key').notNull().unique(),
  channel: text('channel').notNull(),
  name: text('name').notNull(),
  status: text('status').notNull().default('active'),
  statusDetail: text('status_detail'),
  createdAt: at('created_at').notNull(),
  updatedAt: at('updated_at').notNull(),
});

export const teams = sqliteTable('teams', {
  id: id(),
  key: text('key').notNull().unique(),
  name: text('name').notNull(),
});

export const contacts = sqliteTable(
  'contacts',
  {
    id: id(),
    name: text('name'),
    phone: text('phone'),
    email: text('email'),
    avatarUrl: text('avatar_url'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    /** When the citizen's personal data was erased at their request (the row stays, empty). */
    erasedAt: at('erased_at'),
  },
  (t) => [index('contacts_phone_idx').on(t.phone), index('contacts_email_idx').on(t.email)],
);

export const contactIdentities = sqliteTable(
  'contact_identities',
  {
    id: id(),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id),
    inboxId: integer('inbox_id')
      .notNull()
      .references(() => inboxes.id),
    channel: text('channel').notNull(),
    externalUserId: text('external_user_id').notNull(),
    displayName: text('display_name'),
    profile: json('profile'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('identities_inbox_external_uq').on(t.inboxId, t.externalUserId),
    index('identities_contact_idx').on(t.contactId),
  ],
);

export const conversations = sqliteTable(
  'conversations',
  {
    id: id(),
    inboxId: integer('inbox_id')
      .notNull()
      .references(() => inboxes.id),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id),
    status: text('status').notNull(),
    teamId: integer('team_id').references(() => teams.id),
    assigneeId: integer('assignee_id'),
    lastMessageAt: at('last_message_at').notNull(),
    lastInboundAt: at('last_inbound_at'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    resolvedAt: at('resolved_at'),
    /** 'bot' answers until an agent takes the conversation ('human'); given back, 'bot' again. */
    handler: text('handler').notNull().default('bot'),
    /** Since when it waits in its team's queue for a person (longest-waiting first). */
    waitingSince: at('waiting_since'),
    assignedAt: at('assigned_at'),
    /** The agent it was taken from for not answering in time, so it goes to someone else. */
    lastAssigneeId: integer('last_assignee_id'),
    /** Which client of a shared inbox the citizen wrote from (the web form's 'web' or 'app'):
     * the province's report counts the website and the mobile app apart. */
    source: text('source'),
  },
  (t) => [
    index('conversations_contact_inbox_idx').on(t.contactId, t.inboxId, t.status),
    index('conversations_list_idx').on(t.lastMessageAt, t.id),
    index('conversations_queue_idx').on(t.teamId, t.assigneeId, t.waitingSince),
  ],
);

export const messages = sqliteTable(
  'messages',
  {
    id: id(),
    conversationId: integer('conversation_id')
      .notNull()
      .references(() => conversations.id),
    inboxId: integer('inbox_id')
      .notNull()
      .references(() => inboxes.id),
    direction: text('direction').notNull(),
    senderType: text('sender_type').notNull(),
    senderRef: text('sender_ref'),
    text: text('text'),
    attachments: json('attachments'),
    externalId: text('external_id'),
    status: text('status').notNull(),
    error: text('error'),
    metadata: json('metadata'),
    raw: json('raw'),
    createdAt: at('created_at').notNull(),
    sentAt: at('sent_at'),
  },
  (t) => [
    uniqueIndex('messages_inbox_external_uq').on(t.inboxId, t.externalId),
    index('messages_conversation_idx').on(t.conversationId, t.id),
  ],
);

export const outbox = sqliteTable(
  'outbox',
  {
    id: id(),
    messageId: integer('message_id')
      .notNull()
      .unique()
      .references(() => messages.id),
    conversationId: integer('conversation_id').notNull(),
    inboxId: integer('inbox_id').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull(),
    lockedUntil: at('locked_until'),
    lastError: text('last_error'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    index('outbox_due_idx').on(t.status, t.nextAttemptAt),
    index('outbox_conversation_idx').on(t.conversationId, t.id),
  ],
);

export const auditEvents = sqliteTable('audit_events', {
  id: id(),
  at: at('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subjectType: text('subject_type'),
  subjectId: text('subject_id'),
  detail: json('detail'),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

export const apiTokens = sqliteTable('api_tokens', {
  id: id(),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  role: text('role').notNull(),
  createdAt: at('created_at').notNull(),
  lastUsedAt: at('last_used_at'),
  revokedAt: at('revoked_at'),
});

/** People who answer: operators, supervisors, admins, and unit staff for tickets. */
export const agents = sqliteTable('agents', {
  id: id(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull(),
  role: text('role').notNull(),
  /** Conversations the agent handles at once before the router skips them. */
  capacity: integer('capacity').notNull().default(3),
  presence: text('presence').notNull().default('offline'),
  presenceAt: at('presence_at'),
  lastAssignedAt: at('last_assigned_at'),
  createdAt: at('created_at').notNull(),
  disabledAt: at('disabled_at'),
  email: text('email'),
  /** argon2id; null until the account has a password (API-only agents). */
  passwordHash: text('password_hash'),
  passwordChangedAt: at('password_changed_at'),
  /** TOTP secret (base32) once MFA is set up. */
  mfaSecret: text('mfa_secret'),
  mfaEnabled: integer('mfa_enabled', { mode: 'boolean' }).notNull().default(false),
  failedLogins: integer('failed_logins').notNull().default(0),
  lockedUntil: at('locked_until'),
  /** The last TOTP time step accepted, so one code signs in once. */
  mfaLastStep: integer('mfa_last_step'),
  lastLoginAt: at('last_login_at'),
  /** The agent's telephone extension on the switchboard: calls ringing there pop up in their inbox. */
  extension: text('extension').unique(),
  /** Raised on sign-out everywhere, role change or disabling: older sessions stop at once. */
  sessionVersion: integer('session_version').notNull().default(1),
});

/** Signed-in browser sessions of agents (the cookie holds the id; the store keeps its hash). */
export const sessions = sqliteTable(
  'sessions',
  {
    id: id(),
    tokenHash: text('token_hash').notNull().unique(),
    agentId: integer('agent_id')
      .notNull()
      .references(() => agents.id),
    sessionVersion: integer('session_version').notNull(),
    createdAt: at('created_at').notNull(),
    lastSeenAt: at('last_seen_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    revokedAt: at('revoked_at'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_agent_idx').on(t.agentId)],
);

export const agentTeams = sqliteTable(
  'agent_teams',
  {
    agentId: integer('agent_id')
      .notNull()
      .references(() => agents.id),
    teamId: integer('team_id')
      .notNull()
      .references(() => teams.id),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.teamId] })],
);

/** The organisation tickets move through: departments, communes and wards, with their parents. */
export const units = sqliteTable('units', {
  id: id(),
  key: text('key').notNull().unique(),
  name: text('name').notNull(),
  /** 'province' | 'department' | 'commune' | 'ward' | 'other' */
  kind: text('kind').notNull(),
  parentId: integer('parent_id'),
  createdAt: at('created_at').notNull(),
  disabledAt: at('disabled_at'),
});

/** Which unit a unit officer or unit leader works for. */
export const agentUnits = sqliteTable(
  'agent_units',
  {
    agentId: integer('agent_id')
      .notNull()
      .references(() => agents.id),
    unitId: integer('unit_id')
      .notNull()
      .references(() => units.id),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.unitId] })],
);

/** The last ticket number given out in a year, so codes are gapless and unique on every node. */
export const ticketCounters = sqliteTable('ticket_counters', {
  year: integer('year').primaryKey(),
  last: integer('last').notNull(),
});

export const tickets = sqliteTable(
  'tickets',
  {
    id: id(),
    code: text('code').notNull().unique(),
    /** Channel of receipt: 'phone' or an inbox channel ('zaloOa', 'messenger', 'email', ...). */
    channel: text('channel').notNull(),
    conversationId: integer('conversation_id'),
    callId: integer('call_id'),
    contactId: integer('contact_id'),
    type: text('type').notNull(),
    tthc: integer('tthc', { mode: 'boolean' }).notNull().default(false),
    field: text('field'),
    unitId: integer('unit_id'),
    level: integer('level').notNull(),
    status: text('status').notNull(),
    subject: text('subject').notNull(),
    body: text('body'),
    answer: text('answer'),
    deadline: at('deadline'),
    createdById: integer('created_by_id'),
    receivedAt: at('received_at').notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    answeredAt: at('answered_at'),
    closedAt: at('closed_at'),
    /** 'satisfied' | 'not_satisfied' | 'no_response', null while not asked or not yet due. */
    satisfaction: text('satisfaction'),
    satisfactionComment: text('satisfaction_comment'),
    satisfactionAt: at('satisfaction_at'),
    satisfactionAskedAt: at('satisfaction_asked_at'),
    dueSoonNotifiedAt: at('due_soon_notified_at'),
    overdueNotifiedAt: at('overdue_notified_at'),
  },
  (t) => [
    index('tickets_received_idx').on(t.receivedAt),
    index('tickets_unit_idx').on(t.unitId, t.status),
    index('tickets_deadline_idx').on(t.status, t.deadline),
    index('tickets_conversation_idx').on(t.conversationId),
  ],
);

/** Every transition of a ticket: who moved it, from where to where, and why. Never updated. */
export const ticketEvents = sqliteTable(
  'ticket_events',
  {
    id: id(),
    ticketId: integer('ticket_id')
      .notNull()
      .references(() => tickets.id),
    at: at('at').notNull(),
    actorId: integer('actor_id'),
    actorName: text('actor_name').notNull(),
    action: text('action').notNull(),
    fromLevel: integer('from_level'),
    toLevel: integer('to_level'),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    fromUnitId: integer('from_unit_id'),
    toUnitId: integer('to_unit_id'),
    comment: text('comment'),
    attachments: json('attachments'),
  },
  (t) => [index('ticket_events_ticket_idx').on(t.ticketId, t.id)],
);

/** Phone calls: logged by operators or imported from the switchboard's call records. */
export const calls = sqliteTable(
  'calls',
  {
    id: id(),
    direction: text('direction').notNull(),
    number: text('number').notNull(),
    startedAt: at('started_at').notNull(),
    durationSeconds: integer('duration_seconds').notNull().default(0),
    agentId: integer('agent_id'),
    contactId: integer('contact_id'),
    notes: text('notes'),
    /** 'manual' or 'cdr' (switchboard import). */
    source: text('source').notNull(),
    /** The switchboard's record id; a re-imported file adds nothing twice. */
    externalId: text('external_id').unique(),
    createdAt: at('created_at').notNull(),
    /** Live calls from the switchboard: 'ringing' | 'answered' | 'ended' | 'missed' (null: logged or imported). */
    status: text('status'),
    answeredAt: at('answered_at'),
    endedAt: at('ended_at'),
    /** Seconds the caller waited before an operator answered (or gave up). */
    queueWaitSeconds: integer('queue_wait_seconds'),
    queue: text('queue'),
    /** The extension that rang or answered. */
    extension: text('extension'),
    /** The switchboard's address of the recording; the inbox plays it through the gateway only. */
    recordingUrl: text('recording_url'),
    /** A missed call stays on the supervisors' list until someone calls back. */
    calledBackAt: at('called_back_at'),
    calledBackBy: integer('called_back_by'),
  },
  (t) => [index('calls_started_idx').on(t.startedAt), index('calls_status_idx').on(t.status)],
);

/** Prepared replies agents insert by shortcut; a team's own or everyone's (team null). */
export const cannedAnswers = sqliteTable('canned_answers', {
  id: id(),
  shortcut: text('shortcut').notNull().unique(),
  title: text('title').notNull(),
  body: text('body').notNull(),
  teamId: integer('team_id'),
  createdAt: at('created_at').notNull(),
  updatedAt: at('updated_at').notNull(),
  /** A file sent with it (a form template): an upload in `attachments`, copied for each reply. */
  attachmentId: integer('attachment_id'),
});

export const labels = sqliteTable('labels', {
  id: id(),
  key: text('key').notNull().unique(),
  name: text('name').notNull(),
  color: text('color'),
});

export const conversationLabels = sqliteTable(
  'conversation_labels',
  {
    conversationId: integer('conversation_id')
      .notNull()
      .references(() => conversations.id),
    labelId: integer('label_id')
      .notNull()
      .references(() => labels.id),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.labelId] }), index('conversation_labels_label_idx').on(t.labelId)],
);

/** Dossiers (hồ sơ) imported from the one-stop system's export; a re-import updates by code. */
export const dossiers = sqliteTable(
  'dossiers',
  {
    id: id(),
    code: text('code').notNull().unique(),
    procedure: text('procedure'),
    field: text('field'),
    /** The receiving desk (Bộ phận một cửa) and its level: 'province' | 'district' | 'commune'. */
    desk: text('desk'),
    deskLevel: text('desk_level'),
    unit: text('unit'),
    applicantName: text('applicant_name'),
    /** Normalized (84xxxxxxxxx), so it meets contacts and opt-outs. */
    applicantPhone: text('applicant_phone'),
    applicantEmail: text('applicant_email'),
    submittedAt: at('submitted_at'),
    dueAt: at('due_at'),
    finishedAt: at('finished_at'),
    status: text('status'),
    contactId: integer('contact_id'),
    /** The row as the file had it, for what the mapping did not take. */
    raw: json('raw'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [index('dossiers_finished_idx').on(t.finishedAt), index('dossiers_phone_idx').on(t.applicantPhone), index('dossiers_contact_idx').on(t.contactId)],
);

/** A customer-care or survey campaign over a sample of finished dossiers. */
export const campaigns = sqliteTable('campaigns', {
  id: id(),
  name: text('name').notNull(),
  /** 'care' (three care questions) or 'survey' (the national satisfaction index). */
  kind: text('kind').notNull(),
  /** 'active' | 'closed' */
  status: text('status').notNull(),
  /** The population: finished between dates, desk levels, units, procedures. */
  filter: json('filter').notNull(),
  sampleSize: integer('sample_size').notNull(),
  /** 'deskLevel' | 'unit' | 'none' */
  stratifyBy: text('stratify_by').notNull(),
  /** The allocation as drawn: [{ key, population, allocated, drawn }]. */
  strata: json('strata').notNull(),
  minPerStratum: integer('min_per_stratum').notNull().default(0),
  seed: text('seed').notNull(),
  excludeDays: integer('exclude_days').notNull(),
  questionnaire: json('questionnaire').notNull(),
  outboundNumber: text('outbound_number').notNull(),
  purpose: text('purpose').notNull(),
  maxAttempts: integer('max_attempts').notNull(),
  /** Minutes between the pre-notice and the first call, and the desk levels visited at home. */
  options: json('options').notNull(),
  createdById: integer('created_by_id'),
  createdAt: at('created_at').notNull(),
  updatedAt: at('updated_at').notNull(),
});

/** One citizen drawn into a campaign, and where their interview stands. */
export const campaignTargets = sqliteTable(
  'campaign_targets',
  {
    id: id(),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    dossierId: integer('dossier_id')
      .notNull()
      .references(() => dossiers.id),
    contactId: integer('contact_id'),
    phone: text('phone'),
    email: text('email'),
    stratum: text('stratum').notNull(),
    /** 'phone' (operators' queue) or 'visit' (a field interviewer at home). */
    mode: text('mode').notNull(),
    /** 'pending' | 'notified' | 'no_answer' | 'call_back' | 'completed' | 'wrong_number' | 'refused' | 'unreachable' | 'opted_out' */
    status: text('status').notNull(),
    outcome: text('outcome'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at'),
    callBackAt: at('call_back_at'),
    notifiedAt: at('notified_at'),
    /** 'zalo' | 'email' | 'sms' | 'none', and why when it could not be sent. */
    noticeChannel: text('notice_channel'),
    noticeDetail: text('notice_detail'),
    /** sha256 of the one-time web survey token; cleared when used. */
    surveyTokenHash: text('survey_token_hash').unique(),
    answers: json('answers'),
    /** 'satisfied' | 'neutral' | 'not_satisfied', from the questionnaire's overall question. */
    satisfaction: text('satisfaction'),
    /** 'operator' | 'visit' | 'web' */
    answeredVia: text('answered_via'),
    completedAt: at('completed_at'),
    ticketId: integer('ticket_id'),
    assignedTo: integer('assigned_to'),
    /** The operator holding it in the call queue, until when (a crashed browser lets go). */
    lockedBy: integer('locked_by'),
    lockedUntil: at('locked_until'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('campaign_targets_dossier_uq').on(t.campaignId, t.dossierId),
    index('campaign_targets_queue_idx').on(t.campaignId, t.status, t.nextAttemptAt),
    index('campaign_targets_phone_idx').on(t.phone),
    index('campaign_targets_contact_idx').on(t.contactId),
    index('campaign_targets_assigned_idx').on(t.assignedTo),
  ],
);

/** Every call or visit made to a target, with its outcome. Never updated. */
export const targetAttempts = sqliteTable(
  'target_attempts',
  {
    id: id(),
    targetId: integer('target_id')
      .notNull()
      .references(() => campaignTargets.id),
    at: at('at').notNull(),
    agentId: integer('agent_id'),
    mode: text('mode').notNull(),
    /** 'completed' | 'no_answer' | 'wrong_number' | 'refused' | 'call_back' */
    outcome: text('outcome').notNull(),
    callBackAt: at('call_back_at'),
    note: text('note'),
    callId: integer('call_id'),
  },
  (t) => [index('target_attempts_target_idx').on(t.targetId, t.id)],
);

/** Citizens who asked not to be contacted by campaigns again. */
export const optOuts = sqliteTable(
  'opt_outs',
  {
    id: id(),
    phone: text('phone'),
    email: text('email'),
    contactId: integer('contact_id'),
    /** 'reply' (answered the pre-notice), 'operator', 'web'. */
    source: text('source').notNull(),
    campaignId: integer('campaign_id'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('opt_outs_phone_idx').on(t.phone), index('opt_outs_email_idx').on(t.email), index('opt_outs_contact_idx').on(t.contactId)],
);

/**
 * A citizen's request about their personal data (access, correction, erasure, objection), with
 * the law's timers: acknowledged within `acknowledgeBy`, carried out or refused by `dueAt`.
 */
export const privacyRequests = sqliteTable(
  'privacy_requests',
  {
    id: id(),
    /** 'access' | 'correction' | 'erasure' | 'objection' */
    kind: text('kind').notNull(),
    /** The contact it concerns, once the hotline has found them. */
    contactId: integer('contact_id'),
    requesterName: text('requester_name').notNull(),
    /** How to answer them: a phone number or an email address, as they gave it. */
    requesterContact: text('requester_contact'),
    /** 'phone' | 'email' | 'letter' | 'in_person' | a channel name. */
    receivedVia: text('received_via').notNull(),
    details: text('details'),
    receivedAt: at('received_at').notNull(),
    acknowledgeBy: at('acknowledge_by').notNull(),
    dueAt: at('due_at').notNull(),
    acknowledgedAt: at('acknowledged_at'),
    completedAt: at('completed_at'),
    /** 'done' | 'refused', once completed. */
    outcome: text('outcome'),
    outcomeNote: text('outcome_note'),
    createdById: integer('created_by_id'),
    handledById: integer('handled_by_id'),
    /** When supervisors were told the acknowledgement, then the request, ran past its time. */
    acknowledgeAlertedAt: at('acknowledge_alerted_at'),
    dueAlertedAt: at('due_alerted_at'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [index('privacy_requests_open_idx').on(t.completedAt, t.dueAt), index('privacy_requests_contact_idx').on(t.contactId)],
);

/**
 * A way of asking learned from an operator: a citizen's question (personal data removed) that
 * the bot handed off and an operator answered with a knowledge-base entry. Nothing joins the
 * entry's questions until a supervisor accepts it.
 */
export const kbProposals = sqliteTable(
  'kb_proposals',
  {
    id: id(),
    entryId: text('entry_id').notNull(),
    /** The citizen's words with names, numbers, addresses and codes removed. */
    question: text('question').notNull(),
    /** 'pending' | 'accepted' | 'rejected' */
    status: text('status').notNull(),
    conversationId: integer('conversation_id'),
    /** The operator's reply that sent the entry: one proposal per reply. */
    replyMessageId: integer('reply_message_id').notNull().unique(),
    proposedBy: text('proposed_by').notNull(),
    proposedAt: at('proposed_at').notNull(),
    decidedBy: text('decided_by'),
    decidedAt: at('decided_at'),
    /** The question as the supervisor accepted it (edited or not). */
    acceptedQuestion: text('accepted_question'),
  },
  (t) => [index('kb_proposals_status_idx').on(t.status, t.id)],
);

/**
 * Signed platform bodies (or parts of them) the gateway could not use: acknowledged so the
 * platform stops retrying, and kept here for inspection instead of being lost or logged.
 */
export const unusablePayloads = sqliteTable(
  'unusable_payloads',
  {
    id: id(),
    inboxId: integer('inbox_id'),
    channel: text('channel').notNull(),
    /** Where and why, without the payload's values (a schema path, a rule). */
    reason: text('reason').notNull(),
    raw: json('raw'),
    receivedAt: at('received_at').notNull(),
  },
  (t) => [index('unusable_payloads_received_idx').on(t.receivedAt)],
);

/** Files uploaded to a ticket: a step may attach only these, so a key (a content hash) known
 * from elsewhere never puts another unit's file on a ticket. Name and type are the gateway's. */
export const ticketUploads = sqliteTable(
  'ticket_uploads',
  {
    id: id(),
    ticketId: integer('ticket_id').notNull(),
    key: text('key').notNull(),
    name: text('name'),
    mimeType: text('mime_type').notNull(),
    size: integer('size').notNull(),
    uploadedById: integer('uploaded_by_id'),
    uploadedAt: at('uploaded_at').notNull(),
  },
  (t) => [uniqueIndex('ticket_uploads_ticket_key_idx').on(t.ticketId, t.key)],
);

/** Work one node of a cluster does at a time (a mailbox, a sweep): who holds it, until when. */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: at('expires_at').notNull(),
});

// Files both ways (attachments of messages, agents' uploads): one row per file with its state,
// and the bytes themselves when the database is the file storage (see core/file-storage.ts).

/** One file of a message (or an agent's upload not yet sent): what it is and where its bytes are. */
export const attachments = sqliteTable(
  'attachments',
  {
    id: id(),
    /** Null for an agent's upload until a reply carries it. */
    messageId: integer('message_id'),
    conversationId: integer('conversation_id'),
    /** Its place in the message's `attachments` list. */
    position: integer('position').notNull().default(0),
    /** 'in' (from the citizen) or 'out' (an agent's file). */
    direction: text('direction').notNull(),
    kind: text('kind').notNull(),
    name: text('name'),
    mimeType: text('mime_type'),
    size: integer('size'),
    /** 'pending' | 'stored' | 'too_large' | 'refused_type' | 'failed' */
    state: text('state').notNull(),
    /** Why it is not stored (an HTTP status, a network error, a malformed image). */
    stateDetail: text('state_detail'),
    /** The platform's download link, fetched in the background (Zalo, Messenger). */
    sourceUrl: text('source_url'),
    /** SHA-256 of the bytes kept, the key in the file storage. */
    storageKey: text('storage_key'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at'),
    lockedUntil: at('locked_until'),
    /** The agent or token that uploaded it (outbound files). */
    uploadedBy: text('uploaded_by'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [
    index('attachments_message_idx').on(t.messageId, t.position),
    index('attachments_due_idx').on(t.state, t.nextAttemptAt),
    index('attachments_storage_key_idx').on(t.storageKey),
  ],
);

/** Attachment bytes by key when `attachments.storage` is the database (a cluster's shared store). */
export const fileBlobs = sqliteTable('file_blobs', {
  key: text('key').primaryKey(),
  bytes: blob('bytes', { mode: 'buffer' }).notNull(),
  size: integer('size').notNull(),
  createdAt: at('created_at').notNull(),
});
