/** One mail as the IMAP reader hands it over. */
export interface FetchedMail {
  uid: number;
  /** UIDVALIDITY of the mailbox when it was fetched (a bigint, kept as its decimal string). */
  uidValidity: string;
  mailbox: string;
  /** When the server received it (INTERNALDATE). */
  internalDate: Date | null;
  size: number;
  /** The whole RFC 822 source, or only its header when the mail is over the size limit. */
  source: Buffer;
  truncated: boolean;
  /** True when the mail is the mailbox's history (there before the gateway read it, or older
   * than the configured age): stored as the record, never acted on. */
  history: boolean;
}

/** Where reading stopped in one mailbox; advanced only after the mails up to `lastUid` are
 * committed. A different uidValidity means the server renumbered the mailbox. */
export interface MailboxCursor {
  uidValidity: string;
  lastUid: number;
  /** Uids up to this one were in the mailbox when the gateway first read it (under this
   * uidValidity): its history. Kept in the cursor so a restart mid-import keeps the line. */
  historyUpTo?: number;
}

/** What an inbound email keeps in its message metadata (for threading the reply and for agents). */
export interface EmailMetadata {
  subject?: string;
  /** Message-ID as sent, with angle brackets. */
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  from?: string;
  to?: string[];
  cc?: string[];
  /** Sanitized HTML body, when the mail had one (agents may show it instead of the text). */
  html?: string;
  /** True when quoted history was cut from the text (the full text is in raw). */
  quoteStripped?: boolean;
  /** Why it is never answered automatically: auto-reply, bounce, list, rate limit. */
  automated?: string;
  /** True when the mail was over the size limit and only its header was read. */
  truncated?: boolean;
  /** True for the mailbox's history (there before the gateway read it): stored, never answered. */
  imported?: boolean;
}
