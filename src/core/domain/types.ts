// The normalized shapes every channel produces and consumes. Channels map their platform's
// payloads to these at the edge; core and router know nothing else.

export type MessageDirection = 'in' | 'out' | 'note' | 'activity';
/** Who wrote a message: the citizen, an agent in the inbox, the bot, the system, or a person
 * replying in the platform's own tool ("sent outside the gateway"). */
export type SenderType = 'contact' | 'agent' | 'bot' | 'system' | 'outside';
export type DeliveryStatus = 'received' | 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed';
export type ConversationStatus = 'open' | 'pending' | 'resolved';
export const conversationStatuses: readonly ConversationStatus[] = ['open', 'pending', 'resolved'];
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

export type AttachmentKind = 'image' | 'file' | 'audio' | 'video' | 'sticker' | 'location' | 'link';

export interface Attachment {
  kind: AttachmentKind;
  url?: string;
  name?: string;
  mimeType?: string;
  size?: number;
  /** Kind-specific extras, e.g. coordinates of a location or a sticker id. */
  meta?: Record<string, unknown>;
}

/** The sender as the platform identifies them. */
export interface InboundSender {
  /** The platform's id for the person in this inbox (Zalo user id, PSID, email address...). */
  externalUserId: string;
  displayName?: string;
  /** E.164 digits without '+', e.g. 84912345678. */
  phone?: string;
  email?: string;
  avatarUrl?: string;
  /**
   * True when phone and email are only what the sender typed (a web form), not vouched for by
   * the platform: they are kept on the contact but never used to link it to another one, or a
   * stranger typing someone's number would land in that person's conversation.
   */
  selfDeclared?: boolean;
  /**
   * True when the channel minted this identity for this very message (a first web-form submit):
   * no contact can hold it yet, so the ingest skips looking it up.
   */
  minted?: boolean;
}

/** One inbound message, normalized. */
export interface InboundMessage {
  inboxId: number;
  /** The platform's message id: the dedupe key within the inbox. */
  externalMessageId: string;
  sender: InboundSender;
  text: string | null;
  attachments: Attachment[];
  /** When the platform says it was sent. */
  sentAt: Date;
  /** Channel extras kept with the message (dossier code, subject, quick-reply payload...). */
  metadata?: Record<string, unknown>;
  /** The platform's payload for this message, kept verbatim for audit and replay. */
  raw: unknown;
  /** Set for echoes of replies typed in the platform's own tool: recorded as outbound. */
  echo?: boolean;
  /**
   * The thread this message answers, when the platform says (email In-Reply-To/References, a
   * reply token, a ticket code): the ingest files it into the conversation holding one of
   * these platform message ids, or this conversation, before threading by contact.
   */
  thread?: { externalMessageIds?: string[]; conversationId?: number };
  /** Stored, but never answered automatically (auto-replies, bounces, mailing lists). */
  suppressAutoReply?: boolean;
  /**
   * The account's history (a mailbox's mail from before the gateway read it): stored and shown as
   * the record, but nothing acts on it: no bot, no desk, no assignment, no alert. A conversation
   * it opens starts resolved; it never reopens one.
   */
  history?: boolean;
  /** Which client of a shared inbox sent it (the public API's `web` or `app`): kept on the
   * conversation it opens, so reports count the clients apart. */
  source?: string;
}

/**
 * A choice offered under a message (Messenger quick replies, Zalo query buttons, widget buttons),
 * kept in the message's `metadata.quickReplies`; the tapped choice comes back as its payload.
 */
export interface QuickReply {
  title: string;
  payload: string;
}

/** One outbound message handed to a channel adapter by the outbox worker. */
export interface OutboundMessage {
  messageId: number;
  conversationId: number;
  inboxId: number;
  /** The recipient's platform id (the identity the conversation's contact has in that inbox). */
  recipientExternalId: string;
  /** Who wrote it: some platforms treat automated messages differently (Meta's HUMAN_AGENT tag). */
  senderType: 'agent' | 'bot' | 'system';
  text: string | null;
  attachments: Attachment[];
  metadata?: Record<string, unknown>;
}

/** What a successful send reports back. */
export interface SendResult {
  /** The platform's id for the sent message, used to drop its echo. */
  externalId?: string;
}
