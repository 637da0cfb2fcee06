import type Mail from 'nodemailer/lib/mailer';
import { attachmentsDir, createAttachmentStore } from '../../core/attachments.ts';
import type { OutboundMessage, SendResult } from '../../core/domain/types.ts';
import { ChannelError } from '../../core/errors.ts';
import { t } from '../../core/i18n/index.ts';
import { defineChannel, type ChannelAdapter, type ChannelContext, type InboxStatus } from '../channel-adapter.ts';
import { createSmtpClient, smtpError } from './api-client.ts';
import { bounceReason, bounceToken, readBounce, type Bounce } from './bounces.ts';
import { emailEnvVariables, emailSettings, emailSettingsFromEnv, resolveEmailSettings, type EmailSettingsInput } from './config.ts';
import { createSenderRateLimit, toInboundMessage } from './inbound.ts';
import { createMailboxReader } from './mailbox.ts';
import { firstSubject, isAddress, parseAddress, plusAddress, replyMessageId, replyReferences, replySubject, replyToken, ticketCode } from './threading.ts';
import type { EmailMetadata, FetchedMail } from './types.ts';

/** How far back a reply looks for the mail it answers. */
const historyLimit = 1000;

function createEmailAdapter(context: ChannelContext<EmailSettingsInput>): ChannelAdapter {
  const settings = resolveEmailSettings(context.inbox.key, context.settings, context.config.channelEnv);
  const { logger, conversations, inbox, secret } = context;
  const { locale, timezone } = context.config.file.deployment;
  const from = parseAddress(settings.from)!;
  const domain = from.address.slice(from.address.lastIndexOf('@') + 1);
  // The gateway's storage (shared by a cluster's nodes) unless this mailbox names its own folder.
  const attachments = settings.attachmentsDir
    ? createAttachmentStore({ dir: attachmentsDir(context.config, settings.attachmentsDir), maxBytes: settings.maxAttachmentBytes })
    : createAttachmentStore({ storage: context.files.storage, maxBytes: settings.maxAttachmentBytes });
  const rateLimit = createSenderRateLimit(settings.senderRateLimit.max, settings.senderRateLimit.windowMinutes * 60_000);
  const ticketPattern = new RegExp(settings.ticketPattern, 'i');
  const smtp = createSmtpClient(settings, locale);
  let reported: { status: InboxStatus; detail?: string } | undefined;

  /** Tells admins about a change of the connection, once (every report emits an event). */
  async function report(status: InboxStatus, detail?: string): Promise<void> {
    if (reported?.status === status && (status === 'active' || reported.detail === detail)) return;
    reported = { status, ...(detail !== undefined ? { detail } : {}) };
    await context.setStatus(status, detail);
  }

  /** A bounce marks the reply it names failed and is not stored: it is no citizen's message. A
   * report naming none of our mails stays only in the mailbox (logged), never a conversation. */
  async function settleBounce(mail: FetchedMail, bounce: Bounce): Promise<void> {
    const report = bounce.report;
    const reason = !report || report.action === 'failed' ? t(locale, 'email.error.bounced', { detail: report ? bounceReason(report) : 'bounce' }) : null;
    const ref = { ...(bounce.messageId !== undefined ? { messageId: bounce.messageId } : {}), ...(report?.originalMessageId ? { externalIds: [report.originalMessageId] } : {}) };
    const own = await context.markBounced(ref, reason);
    context.metrics.messagesIngested.inc({ channel: 'email', result: own === null ? 'bounce_unmatched' : 'bounce' });
    if (own === null) logger.warn({ uid: mail.uid, action: report?.action }, 'a delivery report names none of our mails: left in the mailbox');
  }

  async function storeMails(mails: FetchedMail[]): Promise<void> {
    const messages = [];
    for (const mail of mails) {
      const bounce = readBounce(mail.source, secret, from.address);
      if (bounce) {
        await settleBounce(mail, bounce);
        continue;
      }
      messages.push(await toInboundMessage(mail, { inboxId: inbox.id, secret, ourAddress: from.address, ticketPattern, quotedTicket: context.conversationQuotedIn, attachments, rateLimit }));
    }
    const results = await context.ingest(messages);
    for (const result of results) context.metrics.messagesIngested.inc({ channel: 'email', result: result.duplicate ? 'duplicate' : 'stored' });
  }

  // A reader that was closed cannot start again: each lease taken gets a new one.
  const newReader = () => createMailboxReader({ settings, state: context.state, logger, store: storeMails, report });
  let reader: ReturnType<typeof createMailboxReader> | undefined;

  /** The mail a reply answers: the citizen's latest mail before it, else our latest sent one. */
  async function threadOf(message: OutboundMessage) {
    const history = await conversations.messages(message.conversationId, { limit: historyLimit, citizenView: true });
    const earlier = history.filter((row) => row.id < message.messageId && row.externalId);
    const parent = earlier.filter((row) => row.direction === 'in').at(-1) ?? earlier.at(-1);
    const self = history.find((row) => row.id === message.messageId);
    return { parent, senderType: self?.senderType };
  }

  async function send(message: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
    const to = message.recipientExternalId.toLowerCase();
    if (!isAddress(to)) throw new ChannelError('email', 'invalid', t(locale, 'email.error.noAddress', { detail: to.slice(0, 80) }), false);
    const { parent, senderType } = await threadOf(message);
    const parentMeta = (parent?.metadata ?? {}) as EmailMetadata;
    const conversation = await conversations.get(message.conversationId);
    const code = ticketCode(settings.ticketFormat, message.conversationId, conversation.createdAt, timezone);
    const messageId = replyMessageId(secret, inbox.id, message.messageId, domain);
    const links: string[] = [];
    const files: Mail.Attachment[] = [];
    for (const attachment of message.attachments) {
      const key = typeof attachment.meta?.storageKey === 'string' ? attachment.meta.storageKey : undefined;
      if (key) {
        const content = (await context.files.read(key)) ?? (await attachments.read(key));
        if (!content) throw new ChannelError('email', 'invalid', t(locale, 'files.error.missing', { name: attachment.name ?? key.slice(0, 12) }), false);
        files.push({ content, ...(attachment.name ? { filename: attachment.name } : {}), ...(attachment.mimeType ? { contentType: attachment.mimeType } : {}) });
      } else if (attachment.url) links.push(`${attachment.name ?? attachment.kind}: ${attachment.url}`);
      else throw new ChannelError('email', 'unsupported', t(locale, 'email.error.unsupported', { detail: attachment.kind }), false);
    }
    const text = [message.text ?? '', ...links].filter(Boolean).join('\n\n');
    if (!text && files.length === 0) throw new ChannelError('email', 'invalid', t(locale, 'email.error.unsupported', { detail: 'empty message' }), false);
    const parentId = parent?.externalId ?? undefined;
    // A message that starts the thread (outreach: a chat answer sent by email) brings its own
    // subject; everything after it answers the thread's.
    const own = typeof message.metadata?.subject === 'string' && message.metadata.subject.trim() ? message.metadata.subject : undefined;
    const subject = !parent && own ? firstSubject(own, code) : replySubject(parentMeta.subject, code, t(locale, 'email.subject.default', { name: context.config.file.deployment.shortName }));
    const mail: Mail.Options = {
      from: from.name ? { name: from.name, address: from.address } : from.address,
      to,
      subject,
      text,
      messageId,
      ...(parentId ? { inReplyTo: parentId, references: replyReferences(parentMeta.references ?? [], parentId) } : {}),
      ...(settings.plusAddressing ? { replyTo: plusAddress(from.address, replyToken(secret, message.conversationId)) } : {}),
      // VERP: a bounce comes back to an address naming this very message, whatever the remote
      // server copies of it (it needs the plus addressing that delivers such addresses to us).
      ...(settings.plusAddressing ? { envelope: { from: plusAddress(from.address, bounceToken(secret, message.messageId)), to } } : {}),
      // RFC 3834: what the bot writes is an automatic reply, so the citizen's robot stays quiet.
      ...(senderType === 'bot' || senderType === 'system' ? { headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' } } : {}),
      ...(files.length ? { attachments: files } : {}),
    };
    try {
      await smtp.send(mail, signal);
    } catch (error) {
      if (error instanceof ChannelError && error.kind === 'auth_failed') await report('needs_reconnect', error.message);
      throw error instanceof ChannelError ? error : smtpError({ message: String(error) }, locale);
    }
    return { externalId: messageId };
  }

  return {
    send,
    // Two nodes reading one mailbox would fetch every mail twice (dropped by Message-ID, but
    // twice the load and racing cursors): the reader runs on one node, under a lease.
    exclusive: {
      async start() {
        reader = newReader();
        reader.start();
      },
      async stop() {
        await reader?.close();
        reader = undefined;
      },
    },
    async close() {
      smtp.close();
    },
  };
}

/**
 * The hotline's mailbox: IMAP in (IDLE with a polling sweep, a durable cursor, dedupe by
 * Message-ID), SMTP out (our own Message-ID, In-Reply-To and References, a plus-addressed
 * Reply-To). Auto-replies, bounces, lists and mail storms are stored but never answered.
 */
export default defineChannel({
  name: 'email',
  display: { names: { vi: 'Email', en: 'Email' }, icon: '@', color: '#e3a008' },
  settingsSchema: emailSettings,
  settingsFromEnv: emailSettingsFromEnv,
  defaultInboxName: 'Thư điện tử 1022',
  envVariables: emailEnvVariables,
  create: createEmailAdapter,
});
