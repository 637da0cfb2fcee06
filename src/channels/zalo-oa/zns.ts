import { z } from 'zod';
import { NoticeError, type NoticeFailureReason, type NoticeTemplateInfo, type NoticeTransport, type PhoneNotice } from '../../core/notice-transports.ts';
import { describeCause } from '../shared/describe-cause.ts';

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
const znsCodes: Record<NoticeFailureReason, readonly number[]> = {
  no_template: [],
  invalid_phone: [-108],
  template_not_approved: [-109, -111, -112, -118, -131, -132],
  not_on_platform: [-115, -119, -120, -139, -141],
  quota_exceeded: [-116, -144, -147],
  out_of_hours: [-133],
  auth_failed: [-124, -216],
  unavailable: [-100, -32],
  rejected: [],
};

/** The one place ZNS codes become reasons. */
export function znsReason(code: number): NoticeFailureReason {
  for (const [reason, codes] of Object.entries(znsCodes) as Array<[NoticeFailureReason, readonly number[]]>) if (codes.includes(code)) return reason;
  return 'rejected';
}

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
 * number with the OA's access token (`POST {base}/message/template`), paid per message.
 */
export function createZnsTransport(options: ZnsOptions): NoticeTransport & { templates(): NoticeTemplateInfo[] } {
  const url = new URL('message/template', options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const pick = (notice: Pick<PhoneNotice, 'purpose' | 'template'>) =>
    notice.template ? options.templates.find((t) => t.key === notice.template) : options.templates.find((t) => t.purpose === notice.purpose);
  const fail = (reason: NoticeFailureReason, detail: string, code?: number) => new NoticeError('zns', reason, `ZNS ${reason}: ${detail}`, code);

  return {
    name: 'zns',
    accepts: (notice) => pick(notice) !== undefined,
    templates: () => options.templates.map((t) => ({ transport: 'zns', key: t.key, name: t.name, purpose: t.purpose })),
    async send(notice, signal) {
      const template = pick(notice);
      if (!template) throw fail('no_template', notice.template ?? notice.purpose);
      const body = { phone: znsPhone(notice.phone), template_id: template.id, template_data: templateData(template, notice.values), tracking_id: notice.trackingId };
      const bounded = signal ? AbortSignal.any([signal, AbortSignal.timeout(options.requestTimeoutMs)]) : AbortSignal.timeout(options.requestTimeoutMs);
      const answer = await options.withToken(async (token) => {
        let response: Response;
        try {
          response = await fetch(url, { method: 'POST', headers: { access_token: token, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: bounded });
        } catch (cause) {
          throw fail('unavailable', describeCause(cause));
        }
        const json = (await response.json().catch(() => null)) as { error?: number; message?: string; data?: { msg_id?: string } } | null;
        if (typeof json?.error === 'number' && json.error !== 0) {
          const reason = znsReason(json.error);
          // The OA's token handling refreshes on these and calls again.
          throw fail(reason, `${json.error} ${json.message ?? ''}`.trim(), json.error);
        }
        if (!response.ok || !json) throw fail(response.status >= 500 || response.status === 429 ? 'unavailable' : 'rejected', `HTTP ${response.status}`, response.status);
        return json;
      });
      return { externalId: answer.data?.msg_id ? String(answer.data.msg_id) : null };
    },
  };
}
