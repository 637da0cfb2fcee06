import { NoticeError, type NoticeFailureReason } from '../../core/notice-transport.ts';
import { withDeadline } from '../../core/deadline.ts';
import type { SmsSettings } from './config.ts';

const transport = 'sms';

/** What went wrong with the gateway, before it becomes a ChannelError. */
export type SmsFailure = { status: number } | { network: string };

/**
 * The one place the gateway's failures become NoticeErrors (ChannelErrors with a reason): refused
 * credentials and bad requests are final, a busy or broken gateway and a lost connection may be
 * tried again.
 */
export function smsError(failure: SmsFailure): NoticeError {
  if ('network' in failure) return new NoticeError(transport, 'unavailable', `SMS gateway unreachable: ${failure.network}`);
  const { status } = failure;
  const reason: NoticeFailureReason = status === 401 || status === 403 ? 'auth_failed' : status === 429 ? 'quota_exceeded' : status === 408 || status >= 500 ? 'unavailable' : 'invalid_request';
  return new NoticeError(transport, reason, `SMS gateway answered ${status}`, status);
}

/** Posts {"to","text"} with the bearer token; resolves on 2xx, rejects with a mapped NoticeError. */
export function createSmsClient(settings: SmsSettings, fetchImpl: typeof fetch = fetch) {
  return (to: string, text: string, signal?: AbortSignal): Promise<void> =>
    withDeadline(settings.timeoutMs, signal, async (deadline) => {
      let response: Response;
      try {
        response = await fetchImpl(settings.SMS_GATEWAY_URL, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(settings.SMS_GATEWAY_TOKEN ? { authorization: `Bearer ${settings.SMS_GATEWAY_TOKEN}` } : {}) },
          body: JSON.stringify({ to, text }),
          signal: deadline,
        });
      } catch (error) {
        throw smsError({ network: (error as Error).message });
      }
      // The body is not needed; reading it frees the connection for the next send.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw smsError({ status: response.status });
    });
}
