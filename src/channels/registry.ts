import type { ChannelDefinition } from './channel-adapter.ts';
import email from './email/index.ts';
import messenger from './messenger/index.ts';
import switchboard from './switchboard/index.ts';
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
  switchboard,
];

export function findChannel(name: string): ChannelDefinition | undefined {
  return channelRegistry.find((channel) => channel.name === name);
}
