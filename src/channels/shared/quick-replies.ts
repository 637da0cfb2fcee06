import type { OutboundMessage, QuickReply } from '../../core/domain/types.ts';

/** The choices queued with a message (see QuickReply), ignoring anything malformed. */
export function quickRepliesOf(message: { metadata?: unknown }): QuickReply[] {
  const list = (message.metadata as OutboundMessage['metadata'] | null | undefined)?.quickReplies;
  if (!Array.isArray(list)) return [];
  return list.filter((q): q is QuickReply => typeof q === 'object' && q !== null && typeof (q as QuickReply).title === 'string' && typeof (q as QuickReply).payload === 'string');
}
