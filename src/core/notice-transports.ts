// Ways to reach a citizen known only by a phone number with a notice, outside any conversation:
// a Zalo ZNS template message, an SMS. A desk tries them in its own order and records each try.

/** What a notice is for: each transport picks its template by it. */
export type NoticePurpose = 'care_pre_notice' | 'ticket_answer';

/** One notice to one phone number. */
export interface PhoneNotice {
  purpose: NoticePurpose;
  /** E.164 digits without '+', e.g. 84912345678. */
  phone: string;
  /** The notice as plain text, for transports that send text (SMS). */
  text: string;
  /** Values a template may name (`name`, `code`, `number`, `purpose`, `deployment`, `link`...). */
  values: Record<string, string>;
  /** A template the sender chose by key (the campaign screen); otherwise the transport's default for `purpose`. */
  template?: string;
  /** Our id for this notice, echoed in the platform's delivery reports. */
  trackingId: string;
}

/** Why a transport did not deliver: every reason lets the desk try the next way. */
export type NoticeFailureReason =
  | 'no_template'
  | 'template_not_approved'
  | 'not_on_platform'
  | 'invalid_phone'
  | 'quota_exceeded'
  | 'out_of_hours'
  | 'auth_failed'
  | 'unavailable'
  | 'rejected';

export class NoticeError extends Error {
  constructor(
    readonly transport: string,
    readonly reason: NoticeFailureReason,
    message: string,
    /** The platform's own code, kept in the recorded attempt. */
    readonly vendorCode?: string | number,
  ) {
    super(message);
    this.name = 'NoticeError';
  }
}

/** A way to send notices to phone numbers. */
export interface NoticeTransport {
  /** Short name recorded with each attempt ('zns', 'sms'). */
  name: string;
  /** Whether it can carry this notice at all (e.g. a template is configured for its purpose). */
  accepts(notice: Omit<PhoneNotice, 'trackingId'>): boolean;
  /** Delivers, or rejects with a NoticeError saying why. */
  send(notice: PhoneNotice, signal?: AbortSignal): Promise<{ externalId: string | null }>;
}

/** The templates a transport offers, for screens that let a person choose one. */
export interface NoticeTemplateInfo {
  transport: string;
  key: string;
  name: string;
  purpose: NoticePurpose;
}
