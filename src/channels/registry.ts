import type { ChannelDefinition, NoticeTransport, NoticeTransportDefinition } from './channel-adapter.ts';
import email from './email/index.ts';
import messenger from './messenger/index.ts';
import sms from './sms/index.ts';
import webchat from './webchat/index.ts';
import webform from './webform/index.ts';
import zaloOa from './zalo-oa/index.ts';

/** Every channel the gateway knows. A new channel is one folder and one line here. */
export const channelRegistry: readonly ChannelDefinition[] = [
  webform,
  zaloOa,
  messenger,
  email,
  webchat,
];

export function findChannel(name: string): ChannelDefinition | undefined {
  return channelRegistry.find((channel) => channel.name === name);
}

/** Every notice transport: one-way texts beside the channels (SMS; Zalo ZNS later). */
export const noticeTransportRegistry: readonly NoticeTransportDefinition[] = [sms];

/** The notice transports the environment sets up, in registry order. */
export function configuredNoticeTransports(env: Readonly<Record<string, string | undefined>>): NoticeTransport[] {
  return noticeTransportRegistry.map((definition) => definition.fromEnv(env)).filter((transport) => transport !== null);
}
