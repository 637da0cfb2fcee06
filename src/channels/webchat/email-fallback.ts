import { ConfigError } from '../../core/config/load-config.ts';
import { maskEmail } from '../../core/domain/email.ts';
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import type { UnreadMessage } from '../../core/outreach.ts';
import type { ChannelContext, InboxRef } from '../channel-adapter.ts';
import type { WebchatSettings } from './config.ts';

/** Metadata key on a chat answer once it was emailed (or found not to be emailable). */
export const fallbackMark = 'emailFallback';

/** Answers this much older than the delay are left alone: a gateway upgraded to this feature,
 * or back after a long outage, does not mail a backlog of stale answers. */
const maxAgeMs = 24 * 3_600_000;
const batchSize = 200;

/** What the visitor typed in the pre-chat form, as the widget's messages carry it. */
interface Prechat {
  name?: string;
  email?: string;
}

/**
 * Sends a chat answer the visitor has not seen (`seen` from the widget marks answers read) to
 * the email address they left, through an email inbox, after `emailFallbackAfterMinutes`.
 * A timer sweeps the store, so answers written before a restart, or on another node, are
 * found too; the once-mark on each answer, set in the transaction that queues the mail, keeps
 * every answer to one mail however many sweeps and nodes see it.
 */
export function createEmailFallback(context: ChannelContext<WebchatSettings>) {
  const { settings, outreach, conversations, inbox, logger, config } = context;
  const delayMs = settings.emailFallbackAfterMinutes * 60_000;
  const target = emailInbox(context);
  if (delayMs === 0) return null;
  if (!target) {
    logger.info('no email inbox is configured: chat answers the visitor did not see are not sent by email');
    return null;
  }
  const targetId = target.id;
  const locale: Locale = config.file.deployment.locale;
  const tr = (key: MessageKey, params?: Record<string, string | number>) => t(locale, key, params);
  const continueUrl = settings.chatPageUrl ?? settings.allowedOrigins.find((origin) => origin !== '*');
  const minutes = new Intl.NumberFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 2 }).format(settings.emailFallbackAfterMinutes);
  // Often enough that a mail leaves soon after its delay, rarely enough to cost nothing idle.
  const intervalMs = Math.min(60_000, Math.max(100, delayMs / 2));

  /** The latest email the visitor gave in this conversation, with their name. */
  async function visitorOf(conversationId: number): Promise<{ email: string; name?: string } | null> {
    let found: Prechat | null = null;
    for (let afterId = 0; ; ) {
      const rows = await conversations.messages(conversationId, { afterId, limit: 500, citizenView: true });
      for (const row of rows) {
        const prechat = (row.metadata as { prechat?: Prechat } | null)?.prechat;
        if (row.direction === 'in' && typeof prechat?.email === 'string') found = prechat;
      }
      if (rows.length < 500) break;
      afterId = rows.at(-1)!.id;
    }
    return found?.email ? { email: found.email, ...(found.name ? { name: found.name } : {}) } : null;
  }

  function mailText(name: string | undefined, answers: string[]): string {
    const { deployment } = config.file;
    return [
      ...(name ? [tr('webchat.emailFallback.greeting', { name })] : []),
      tr('webchat.emailFallback.intro', { name: deployment.shortName }),
      ...answers,
      [...(continueUrl ? [tr('webchat.emailFallback.continue', { url: continueUrl })] : []), tr('webchat.emailFallback.reply')].join('\n'),
      `${tr('webchat.emailFallback.closing')}\n${deployment.name}`,
    ].join('\n\n');
  }

  /** One mail for the due answers of one conversation. True when it was queued. */
  async function forward(conversationId: number, answers: UnreadMessage[]): Promise<boolean> {
    const once = { messageIds: answers.map((answer) => answer.id), key: fallbackMark };
    const texts = answers.map((answer) => answer.text?.trim()).filter((text): text is string => Boolean(text));
    const visitor = await visitorOf(conversationId);
    const skipped = !visitor ? 'no_address' : texts.length === 0 ? 'no_text' : null;
    if (!visitor || skipped) {
      // Marked, so the next sweeps do not read this conversation again for the same answers.
      await outreach.mark({ ...once, value: { skipped } });
      return false;
    }
    const to = maskEmail(visitor.email);
    const result = await outreach.send({
      contactId: answers[0]!.contactId,
      inboxId: targetId,
      address: visitor.email,
      subject: tr('webchat.emailFallback.subject', { name: config.file.deployment.shortName }),
      text: mailText(visitor.name, texts),
      senderType: 'system',
      senderRef: 'webchat:email-fallback',
      metadata: { [fallbackMark]: { conversationId, messageIds: once.messageIds } },
      once,
      activity: { conversationId, text: tr('webchat.emailFallback.activity', { minutes, to }), metadata: { [fallbackMark]: { to, messageIds: once.messageIds } } },
    });
    if (result.kind === 'queued' || result.kind === 'already') return result.kind === 'queued';
    logger.warn({ conversationId, reason: result.reason }, 'chat answer not sent by email');
    const text =
      result.reason === 'address_in_use'
        ? tr('webchat.emailFallback.addressInUse', { to })
        : tr('webchat.emailFallback.refused', { to, reason: result.detail ?? result.reason });
    await outreach.mark({ ...once, value: { skipped: result.reason } }, { conversationId, text, metadata: { [fallbackMark]: { to, skipped: result.reason } } });
    return false;
  }

  /** Mails what is due now; resolves with the number of mails queued. */
  async function sweep(now = new Date()): Promise<number> {
    const createdBefore = new Date(now.getTime() - delayMs);
    const due = await outreach.unread({
      inboxId: inbox.id,
      createdBefore,
      createdAfter: new Date(createdBefore.getTime() - maxAgeMs),
      unmarked: fallbackMark,
      // The bot's knowledge-base answers are answers; its greetings and "please wait" are not.
      botMetadataKey: 'kb',
      limit: batchSize,
    });
    const byConversation = new Map<number, UnreadMessage[]>();
    for (const answer of due) byConversation.set(answer.conversationId, [...(byConversation.get(answer.conversationId) ?? []), answer]);
    let queued = 0;
    for (const [conversationId, answers] of byConversation) {
      try {
        if (await forward(conversationId, answers)) queued++;
      } catch (error) {
        // Nothing was marked: the next sweep tries again.
        logger.error({ err: error, conversationId }, 'chat answer not sent by email; tried again at the next sweep');
      }
    }
    return queued;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = sweep()
      .catch((error: unknown) => logger.error({ err: error }, 'email fallback sweep failed'))
      .finally(() => {
        running = undefined;
      });
  };

  return {
    sweep,
    start(): void {
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async close(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}

export type EmailFallback = NonNullable<ReturnType<typeof createEmailFallback>>;

/** The inbox `emailFallbackInbox` names (checked at boot), else the first email inbox. */
function emailInbox(context: ChannelContext<WebchatSettings>): InboxRef | undefined {
  const inboxes = context.outreach.inboxesOf('email');
  const key = context.settings.emailFallbackInbox;
  if (key === undefined) return inboxes[0];
  const found = inboxes.find((inbox) => inbox.key === key);
  if (!found) {
    const known = inboxes.map((inbox) => inbox.key).join(', ') || 'none configured';
    throw new ConfigError(`inbox "${context.inbox.key}" settings.emailFallbackInbox: "${key}" is not an email inbox (email inboxes: ${known})`);
  }
  return found;
}
