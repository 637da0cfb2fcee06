import type { ChannelListing, ChannelNames } from '../contracts/channels.ts';
import type { ChannelDefinition, NoticeTransport, NoticeTransportDefinition } from './channel-adapter.ts';
import botframework from './botframework/index.ts';
import email from './email/index.ts';
import messenger from './messenger/index.ts';
import sms from './sms/index.ts';
import switchboard from './switchboard/index.ts';
import webchat from './webchat/index.ts';
import webform from './webform/index.ts';
import zaloOa from './zalo-oa/index.ts';
import zaloPersonal from './zalo-personal/index.ts';

/** Every channel the gateway knows. A new channel is one folder and one line here. */
export const channelRegistry: readonly ChannelDefinition[] = [
  webform,
  zaloOa,
  messenger,
  email,
  webchat,
  botframework,
  zaloPersonal,
  switchboard,
];

export function findChannel(name: string): ChannelDefinition | undefined {
  return channelRegistry.find((channel) => channel.name === name);
}

/** Every channel's names, in registry order (what `GET /api/v1/channels` answers). */
export function channelListings(): ChannelListing[] {
  return channelRegistry.map(({ name, display, features }) => ({ key: name, names: display.names, reportNames: display.reportNames ?? display.names, icon: display.icon, color: display.color, features: [...(features ?? [])] }));
}

/** The name a printed report gives a channel, or undefined for a name no channel has (e.g. `phone`). */
export function reportNameOf(key: string, locale: keyof ChannelNames): string | undefined {
  const display = findChannel(key)?.display;
  return display ? (display.reportNames ?? display.names)[locale] : undefined;
}

/**
 * Every notice transport the environment sets up on its own: one-way texts beside the channels
 * (SMS). ZNS comes with a Zalo OA inbox that has templates (`ChannelAdapter.noticeTransport`).
 */
export const noticeTransportRegistry: readonly NoticeTransportDefinition[] = [sms];

/** The notice transports the environment sets up, in registry order. */
export function configuredNoticeTransports(env: Readonly<Record<string, string | undefined>>): NoticeTransport[] {
  return noticeTransportRegistry.map((definition) => definition.fromEnv(env)).filter((transport) => transport !== null);
}
