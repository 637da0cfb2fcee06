import { z } from 'zod';
import { ChannelError } from '../../core/errors.ts';
import { withDeadline } from '../../core/deadline.ts';
import { NoticeError, type Notice, type NoticeFailureReason, type NoticeTemplateInfo, type NoticeTransport } from '../../core/notice-transport.ts';
import { describeCause } from '../shared/describe-cause.ts';
import { platformRequest, type PlatformAnswer } from '../shared/platform-request.ts';

/** A ZNS template Zalo approved for the OA, and how the gateway fills its parameters. */
export const znsTemplate = z.object({
  /** How the gateway and its screens name it (`care-pre-notice`). */
  key: z.string().regex(/^[a-z0-9-]+$/),
  /** Zalo's template id. */
  id: z.string().regex(/^\d+$/),
  name: z.string().min(1),
  /** The notices it is the default for. */
  purpose: z.enum(['care_pre_notice', 'ticket_answer']),
  /**
   * Each template parameter and its value: text where `{name}`, `{code}`, `{number}`,
   * `{purpose}`, `{deployment}` (and any value the notice carries) are replaced.
   */
  data: z.record(z.string(), z.string()),
});

export type ZnsTemplate = z.infer<typeof znsTemplate>;

/**
 * Zalo's ZNS error codes (zalo.cloud, "Cách xử lý mã lỗi") grouped by what the hotline can do
 * about them. Some codes are only documented by third parties: a code not listed here is kept
 * as is in the recorded attempt, as a refusal.
 */
const znsCodes: Partial<Record<NoticeFailureReason, readonly number[]>> = {
  invalid_phone: [-108],
  template_not_approved: [-109, -111, -112, -118, -131, -132],
  not_on_platform: [-115, -119, -120, -139, -141],
  quota_exceeded: [-116, -144, -147],
  out_of_hours: [-133],
  auth_failed: [-124, -216],
  unavailable: [-100, -32],
};

/** What went wrong with a ZNS send, before it becomes a NoticeError. */
export type ZnsFailure =
  | { code: number; message?: string }
  | { status: number }
  | { network: string }
  | { noTemplate: string }
  /** The OA's token handling failed (a refresh refused): a ChannelError of the zalo-oa channel. */
  | { token: ChannelError };

/** The one place ZNS failures (Zalo's codes, HTTP answers, lost connections) become NoticeErrors. */
export function znsError(failure: ZnsFailure): NoticeError {
  const fail = (reason: NoticeFailureReason, detail: string, code?: string | number) => new NoticeError('zns', reason, `ZNS ${reason}: ${detail}`, code);
  if ('code' in failure) {
    const reason = (Object.entries(znsCodes) as Array<[NoticeFailureReason, readonly number[]]>).find(([, codes]) => codes.includes(failure.code))?.[0] ?? 'rejected';
    return fail(reason, `${failure.code} ${failure.message ?? ''}`.trim(), failure.code);
  }
  if ('status' in failure) return fail(failure.status >= 500 || failure.status === 429 ? 'unavailable' : 'rejected', `HTTP ${failure.status}`, failure.status);
  if ('network' in failure) return fail('unavailable', failure.network);
  if ('noTemplate' in failure) return fail('no_template', failure.noTemplate);
  return fail(failure.token.kind === 'auth_failed' ? 'auth_failed' : 'unavailable', failure.token.message, failure.token.vendorCode);
}

/** What a Zalo code means for a notice (the reason znsError gives it). */
export const znsReason = (code: number): NoticeFailureReason => znsError({ code }).reason;

/** Fills a template's parameters from the notice's values. */
export function templateData(template: ZnsTemplate, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(template.data).map(([param, pattern]) => [param, pattern.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole)]));
}

/** ZNS wants the phone as 84xxxxxxxxx. */
export function znsPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.startsWith('0') ? `84${digits.slice(1)}` : digits;
}

export interface ZnsOptions {
  baseUrl: string;
  templates: readonly ZnsTemplate[];
  requestTimeoutMs: number;
  /** Runs a call with the OA's access token, refreshing it once when Zalo says it is invalid. */
  withToken<T>(call: (token: string) => Promise<T>): Promise<T>;
}

/**
 * ZNS (Zalo Notification Service) as a notice transport: an approved template sent to a phone
 * number with the OA's access token (`POST {base}/message/template`), paid per message. It sends
 * only the template the notice names (a campaign's choice), and declines a notice without one.
 */
export function createZnsTransport(options: ZnsOptions): NoticeTransport & { templates(): NoticeTemplateInfo[] } {
  const url = new URL('message/template', options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const pick = (notice: Pick<Notice, 'template'>) => (notice.template ? options.templates.find((t) => t.key === notice.template) : undefined);

  return {
    name: 'zns',
    reaches: 'phone',
    accepts: (notice) => pick(notice) !== undefined,
    templates: () => options.templates.map((t) => ({ transport: 'zns', key: t.key, name: t.name, purpose: t.purpose })),
    async send(notice, signal) {
      const template = pick(notice);
      if (!template) throw znsError({ noTemplate: notice.template ?? 'none chosen' });
      const body = { phone: znsPhone(notice.to), template_id: template.id, template_data: templateData(template, notice.values ?? {}), ...(notice.trackingId ? { tracking_id: notice.trackingId } : {}) };
      try {
        // A NoticeError for "token invalid" is a ChannelError of kind auth_failed with Zalo's
        // code: the OA's token handling refreshes the token once and calls again.
        const answer = await withDeadline(options.requestTimeoutMs, signal, (deadline) =>
          options.withToken(async (token) => {
            let response: PlatformAnswer;
            try {
              response = await platformRequest(url, { method: 'POST', headers: { access_token: token, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: deadline });
            } catch (cause) {
              throw znsError({ network: describeCause(cause) });
            }
            const json = (await response.json().catch(() => null)) as { error?: number; message?: string; data?: { msg_id?: string } } | null;
            if (typeof json?.error === 'number' && json.error !== 0) throw znsError({ code: json.error, ...(json.message ? { message: json.message } : {}) });
            if (!response.ok || !json) throw znsError({ status: response.status });
            return json;
          }),
        );
        return { externalId: answer.data?.msg_id ? String(answer.data.msg_id) : null };
      } catch (error) {
        if (error instanceof ChannelError && !(error instanceof NoticeError)) throw znsError({ token: error });
        throw error;
      }
    },
  };
}
