import { ChannelError } from '../../core/errors.ts';
import type { Dialer } from '../../core/telephony.ts';
import { defineChannel, type ChannelAdapter, type ChannelContext } from '../channel-adapter.ts';
import { createAmiClient, type AmiClient, type AmiState } from './ami-client.ts';
import { createAmiTranslator } from './ami-events.ts';
import { createAmiDialer, createHttpDialer } from './api-client.ts';
import { resolveSwitchboardSettings, switchboardEnvVariables, switchboardSettings, switchboardSettingsFromEnv, type SwitchboardSettingsInput } from './config.ts';
import { registerSwitchboardWebhook } from './webhook.ts';

/**
 * A telephone switchboard. It carries no text messages: its inbound side is call events (AMI or
 * a signed webhook) that become call-log rows through `context.calls`, and its outbound side is
 * click-to-call (`dialer`). The AMI connection is opened in `start()` and closed in `close()`,
 * so a cluster can hold it on one node by wrapping both in a lease.
 */
function createSwitchboardAdapter(context: ChannelContext<SwitchboardSettingsInput>): ChannelAdapter {
  const settings = resolveSwitchboardSettings(context.inbox.key, context.settings, context.config.channelEnv);
  const { logger } = context;
  const source = `switchboard:${context.inbox.key}`;
  const translator = createAmiTranslator({
    extensionPattern: settings.extensionPattern,
    ...(settings.ami?.recordingUrlTemplate ? { recordingUrl: (linkedId: string) => settings.ami!.recordingUrlTemplate!.replace('{linkedid}', encodeURIComponent(linkedId)) } : {}),
  });
  // Events are applied in the order they arrived; one failing (a store hiccup) is logged and the
  // next still goes, since the call's later events carry the same facts again.
  let queue: Promise<void> = Promise.resolve();
  let ami: AmiClient | undefined;

  const reportState = (state: AmiState, detail?: string) => {
    logger.info({ state, detail }, 'switchboard AMI connection');
    const status = state === 'connected' ? 'active' : state === 'stopped' || state === 'connecting' ? null : 'needs_reconnect';
    if (status) void context.setStatus(status, status === 'active' ? undefined : `AMI ${state}${detail ? `: ${detail}` : ''}`).catch((err: unknown) => logger.error({ err }, 'switchboard status not saved'));
  };

  if (settings.ami) {
    ami = createAmiClient({
      host: settings.ami.host,
      port: settings.ami.port,
      username: settings.ami.username,
      secret: settings.ami.secret,
      initialBackoffMs: settings.ami.initialBackoffMs,
      maxBackoffMs: settings.ami.maxBackoffMs,
      actionTimeoutMs: settings.ami.actionTimeoutMs,
      keepAliveMs: settings.ami.keepAliveMs,
      onState: reportState,
      onEvent: (event) => {
        for (const callEvent of translator.translate(event)) {
          queue = queue.then(() => context.calls.record(callEvent, source)).catch((err: unknown) => logger.error({ err, callId: callEvent.callId, stage: callEvent.stage }, 'call event not recorded'));
        }
      },
    });
  }

  let dialer: Dialer | undefined;
  if (settings.dialUrl) dialer = createHttpDialer({ url: settings.dialUrl, ...(settings.dialToken ? { token: settings.dialToken } : {}), ...(settings.callerId ? { callerId: settings.callerId } : {}) });
  else if (ami) dialer = createAmiDialer({ client: ami, translator, channelTemplate: settings.ami!.channelTemplate, context: settings.ami!.originateContext, ...(settings.callerId ? { callerId: settings.callerId } : {}) });

  return {
    ...(dialer ? { dialer } : {}),
    async routes(app) {
      if (!settings.webhook) return;
      registerSwitchboardWebhook(app, {
        path: context.isDefault ? '/webhooks/switchboard' : `/webhooks/switchboard/${context.inbox.key}`,
        secret: settings.webhook.secret,
        toleranceSeconds: settings.webhook.toleranceSeconds,
        calls: context.calls,
        source,
      });
    },
    async send() {
      throw new ChannelError('switchboard', 'unsupported', 'a switchboard carries calls, not messages', false);
    },
    async start() {
      ami?.start();
    },
    async close() {
      await ami?.stop();
      await queue;
    },
  };
}

export default defineChannel({
  name: 'switchboard',
  // Calls are counted in the province's report as the phone line ("Điện thoại"), like the calls logged by hand.
  display: { names: { vi: 'Tổng đài điện thoại', en: 'Switchboard' }, reportNames: { vi: 'Điện thoại', en: 'Phone' }, icon: '☎', color: '#2e7d32' },
  settingsSchema: switchboardSettings,
  settingsFromEnv: switchboardSettingsFromEnv,
  defaultInboxName: 'Tổng đài điện thoại',
  envVariables: switchboardEnvVariables,
  create: createSwitchboardAdapter,
});
