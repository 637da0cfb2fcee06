import type { OutboundMessage, QuickReply } from '../../core/domain/types.ts';

/** The choices queued with a message (see QuickReply), ignoring anything malformed. */
export function quickRepliesOf(message: Pick<OutboundMessage, 'metadata'>): QuickReply[] {
  const list = message.metadata?.quickReplies;
  if (!Array.isArray(list)) return [];
  return list.filter((q): q is QuickReply => typeof q === 'object' && q !== null && typeof (q as QuickReply).title === 'string' && typeof (q as QuickReply).payload === 'string');
}
