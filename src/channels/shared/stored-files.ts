import type { AttachmentStore } from '../../core/attachments.ts';
import type { Attachment } from '../../core/domain/types.ts';
import { ChannelError } from '../../core/errors.ts';
import { t, type Locale } from '../../core/i18n/index.ts';

/** A file the gateway holds (an agent's upload), as a channel sends it. */
export interface StoredFile {
  key: string;
  kind: Attachment['kind'];
  name: string;
  mimeType: string;
  size: number;
}

const extensions: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'application/pdf': 'pdf' };

/** The stored file behind an outbound attachment, or null when it is a link only. */
export function storedFileOf(attachment: Attachment): StoredFile | null {
  const key = attachment.meta?.storageKey;
  if (typeof key !== 'string') return null;
  const mimeType = attachment.mimeType ?? 'application/octet-stream';
  const name = attachment.name ?? `${attachment.kind}.${extensions[mimeType] ?? 'bin'}`;
  return { key, kind: attachment.kind, name, mimeType, size: attachment.size ?? 0 };
}

/** What a platform takes: the types it accepts and their largest size. */
export interface PlatformFileRule {
  types: ReadonlySet<string>;
  maxBytes: number;
}

/**
 * The platform's refusal of a file, decided before anything is sent (no half-delivered reply):
 * a non-retryable error whose message the agent sees on the failed message.
 */
export function refusalOf(file: StoredFile, rule: PlatformFileRule | undefined, channel: string, label: string, locale: Locale): ChannelError | null {
  if (!rule || !rule.types.has(file.mimeType)) {
    return new ChannelError(channel, 'invalid', t(locale, 'files.error.channelType', { channel: label, name: file.name, type: file.mimeType }), false);
  }
  if (file.size > rule.maxBytes) {
    return new ChannelError(channel, 'invalid', t(locale, 'files.error.channelTooLarge', { channel: label, name: file.name, max: Math.round((rule.maxBytes / 1024 / 1024) * 10) / 10 }), false);
  }
  return null;
}

/** The bytes of a stored file as a Blob with its type; a file gone from the store fails for good. */
export async function loadStoredFile(files: AttachmentStore, file: StoredFile, channel: string, locale: Locale): Promise<Blob> {
  const bytes = await files.read(file.key);
  if (!bytes) throw new ChannelError(channel, 'invalid', t(locale, 'files.error.missing', { name: file.name }), false);
  return new Blob([new Uint8Array(bytes)], { type: file.mimeType });
}
