import type { ChannelDefinition } from './channel-adapter.ts';
import webform from './webform/index.ts';

/** Every channel the gateway knows. A new channel is one folder and one line here. */
export const channelRegistry: readonly ChannelDefinition[] = [webform];

export function findChannel(name: string): ChannelDefinition | undefined {
  return channelRegistry.find((channel) => channel.name === name);
}
