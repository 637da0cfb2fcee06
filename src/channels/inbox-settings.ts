// The inboxes a configuration makes (its YAML file's and those its environment adds) with their
// channels' settings validated, and the folders their files go to. The gateway builds its adapters
// from these; the backup reads them without starting a gateway.
import { attachmentsDir } from '../core/attachments.ts';
import { ConfigError, describeIssues, type GatewayConfig } from '../core/config/load-config.ts';
import type { ChannelDefinition } from './channel-adapter.ts';
import { channelRegistry, findChannel } from './registry.ts';

/**
 * Every inbox of the configuration (the YAML file's and those made from the environment) with
 * its channel and its settings, validated: the YAML `settings:` over `settingsFromEnv` for the
 * first inbox of a channel. The gateway builds its adapters from these; the backup reads where
 * each keeps its files.
 */
export function inboxSettings(config: GatewayConfig): Array<{ key: string; definition: ChannelDefinition; settings: Record<string, unknown>; isDefault: boolean }> {
  const seenChannels = new Set<string>();
  return withEnvInboxes(config).inboxes.map((inbox) => {
    const definition = findChannel(inbox.channel);
    if (!definition) {
      throw new ConfigError(`inbox "${inbox.key}": unknown channel "${inbox.channel}" (known: ${channelRegistry.map((c) => c.name).join(', ')})`);
    }
    const isDefault = !seenChannels.has(inbox.channel);
    seenChannels.add(inbox.channel);
    const fromEnv = (isDefault && definition.settingsFromEnv?.(config.channelEnv)) || {};
    const settings = definition.settingsSchema.safeParse({ ...fromEnv, ...inbox.settings });
    if (!settings.success) throw new ConfigError(`inbox "${inbox.key}" settings:\n${describeIssues('', settings.error)}`);
    return { key: inbox.key, definition, settings: settings.data as Record<string, unknown>, isDefault };
  });
}

/** Every folder the gateway keeps files in: the default one and any an inbox names for itself. */
export function attachmentDirsOf(config: GatewayConfig): string[] {
  const named = inboxSettings(config).flatMap(({ settings }) => (typeof settings.attachmentsDir === 'string' ? [attachmentsDir(config, settings.attachmentsDir)] : []));
  return [...new Set([attachmentsDir(config), ...named])];
}

/** Adds an inbox for each channel whose environment variables are set but which the YAML file
 * does not list, so a deployment connects an OA or a page with env alone. */
export function withEnvInboxes(config: GatewayConfig): GatewayConfig['file'] {
  const listed = new Set(config.file.inboxes.map((inbox) => inbox.channel));
  const added = channelRegistry
    .filter((channel) => !listed.has(channel.name) && channel.settingsFromEnv?.(config.channelEnv))
    .map((channel) => ({ key: channel.name, channel: channel.name, name: channel.defaultInboxName ?? channel.name, settings: {} }));
  return { ...config.file, inboxes: [...config.file.inboxes, ...added] };
}
