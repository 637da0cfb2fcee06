import { ConfigError, describeIssues } from '../../core/config/load-config.ts';
import type { NoticeTransport } from '../../core/notice-transport.ts';
import type { NoticeTransportDefinition } from '../channel-adapter.ts';
import { createSmsClient } from './api-client.ts';
import { smsEnvVariables, smsSettings } from './config.ts';

/** SMS through the deployment's HTTP gateway: the pre-notice for citizens with neither Zalo nor email. */
export function createSmsTransport(env: Readonly<Record<string, string | undefined>>, fetchImpl: typeof fetch = fetch): NoticeTransport | null {
  if (!env.SMS_GATEWAY_URL) return null;
  const parsed = smsSettings.safeParse({ SMS_GATEWAY_URL: env.SMS_GATEWAY_URL, SMS_GATEWAY_TOKEN: env.SMS_GATEWAY_TOKEN });
  if (!parsed.success) throw new ConfigError(`Invalid environment:\n${describeIssues('env', parsed.error)}`);
  const send = createSmsClient(parsed.data, fetchImpl);
  // An SMS carries the notice's text; templates and their values are for other transports.
  return { name: 'sms', reaches: 'phone', send: (notice, signal) => send(notice.to, notice.text, signal).then(() => ({ externalId: null })) };
}

export default {
  name: 'sms',
  envVariables: smsEnvVariables,
  fromEnv: (env) => createSmsTransport(env),
} satisfies NoticeTransportDefinition;
