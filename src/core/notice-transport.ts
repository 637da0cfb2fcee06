import type { NoticeTemplateInfo } from '../contracts/notice-templates.ts';
import { ChannelError, type ChannelErrorKind } from './errors.ts';

/**
 * A one-way notice to a citizen's phone number or address, outside any conversation: an SMS
 * gateway, Zalo's ZNS template messages. Transports live beside the channels
 * (`src/channels/<name>/`, or offered by a channel's inbox as ZNS is by a Zalo OA); desks know
 * them only by this contract, and the app hands them the transports the deployment configures.
 * Unlike a channel, nothing comes back in on a transport.
 */
export interface NoticeTransport {
  /** Its name in `care.noticeOrder` and in the records of who was told how (`sms`, `zns`). */
  readonly name: string;
  /** Which of the citizen's addresses it takes: a phone number (84xxxxxxxxx) or an email address. */
  readonly reaches: 'phone' | 'email';
  /**
   * Whether it can carry this notice at all (ZNS: the notice names a template the OA has).
   * Absent: it carries every notice. A desk skips a transport that declines, recording nothing.
   */
  accepts?(notice: Omit<Notice, 'to' | 'trackingId'>): boolean;
  /**
   * Sends the notice to `notice.to`. Resolves once the provider accepted it. Rejects with a
   * NoticeError (a ChannelError whose `channel` is the transport's name) whose reason, kind and
   * `retryable` the transport mapped from the provider's answer, in one function of its own.
   */
  send(notice: Notice, signal?: AbortSignal): Promise<{ externalId: string | null }>;
  /** The templates it offers, for screens that let a person choose one (ZNS). */
  templates?(): NoticeTemplateInfo[];
}

/** What a notice is for: a transport with templates lists them by it. */
export type NoticePurpose = 'care_pre_notice' | 'ticket_answer';

/** One notice to one citizen. */
export interface Notice {
  /** The address the transport reaches: E.164 digits without '+' (84912345678) or an email address. */
  to: string;
  /** The notice as plain text, for transports that send text (SMS). */
  text: string;
  purpose?: NoticePurpose;
  /** Values a template may name (`name`, `code`, `number`, `purpose`, `deployment`, `link`...). */
  values?: Record<string, string>;
  /**
   * The template the sender chose, by key (the campaign screen). A transport that sends only
   * approved templates (ZNS) declines a notice without one it has; others ignore it.
   */
  template?: string;
  /** Our id for this notice, echoed in the platform's delivery reports. */
  trackingId?: string;
}

/** Why a transport did not deliver: every reason lets a desk try the next way, and is recorded. */
export type NoticeFailureReason =
  | 'no_template'
  | 'template_not_approved'
  | 'not_on_platform'
  | 'invalid_phone'
  | 'invalid_request'
  | 'quota_exceeded'
  | 'out_of_hours'
  | 'auth_failed'
  | 'unavailable'
  | 'rejected';

/** What each reason is as a channel error: its kind and whether the same notice may succeed later. */
const asChannelError: Record<NoticeFailureReason, [ChannelErrorKind, boolean]> = {
  no_template: ['unsupported', false],
  template_not_approved: ['rejected', false],
  not_on_platform: ['invalid', false],
  invalid_phone: ['invalid', false],
  invalid_request: ['invalid', false],
  quota_exceeded: ['rate_limited', true],
  out_of_hours: ['window_closed', true],
  auth_failed: ['auth_failed', false],
  unavailable: ['network', true],
  rejected: ['rejected', false],
};

/** A transport's failure: a ChannelError that also says why in the notices' own terms. */
export class NoticeError extends ChannelError {
  constructor(
    transport: string,
    readonly reason: NoticeFailureReason,
    message: string,
    /** The provider's own code, kept in the recorded attempt. */
    vendorCode?: string | number,
  ) {
    const [kind, retryable] = asChannelError[reason];
    super(transport, kind, message, retryable, vendorCode);
    this.name = 'NoticeError';
  }
}

export type { NoticeTemplateInfo };
