import { attachmentsDir, createAttachmentStore } from '../../core/attachments.ts';
import { defineChannel } from '../channel-adapter.ts';
import { webchatSettings } from './config.ts';
import { createEmailFallback } from './email-fallback.ts';
import { createHub } from './hub.ts';
import { createSeenTracker, outboundId } from './seen.ts';
import { fileSignature } from './visitor-token.ts';
import { registerWebchatRoutes } from './webhook.ts';
import { widgetAvailable } from './widget-assets.ts';

/**
 * The website's live chat: a widget (one script tag: a launcher and an iframe served by the
 * gateway) talking over a WebSocket. Every message has the store's id; a socket that comes
 * back says the last id it saw and is replayed the rest before live messages, so nothing is
 * lost or doubled. There is no platform to deliver to: an answer is delivered when it is
 * committed, to the visitor's open sockets now or on their next visit, or by email when they
 * left an address and have not seen it in time (email-fallback.ts).
 */
export default defineChannel({
  name: 'webchat',
  display: { names: { vi: 'Trò chuyện web', en: 'Web chat' }, reportNames: { vi: 'Trò chuyện trên website', en: 'Website chat' }, icon: 'W', color: '#0f766e' },
  settingsSchema: webchatSettings,
  create(context) {
    const prefix = context.isDefault ? '/webchat' : `/webchat/${context.inbox.key}`;
    const hub = createHub({
      conversations: context.conversations,
      events: context.events,
      logger: context.logger,
      heartbeatMs: context.settings.heartbeatSeconds * 1000,
      fileUrl: (key) => `${prefix}/files/${key}?sig=${fileSignature(context.secret, key)}`,
    });
    const seen = createSeenTracker({ conversations: context.conversations, events: context.events, markDelivery: context.markDeliveryOf, logger: context.logger });
    // Checked here, at boot: a named email inbox that does not exist stops the gateway.
    const emailFallback = createEmailFallback(context);
    // The gateway's storage (shared by a cluster's nodes) unless this inbox names its own folder.
    const attachments = context.settings.attachmentsDir
      ? createAttachmentStore({ dir: attachmentsDir(context.config, context.settings.attachmentsDir), maxBytes: context.settings.maxAttachmentBytes })
      : createAttachmentStore({ storage: context.files.storage, maxBytes: context.settings.maxAttachmentBytes });
    if (!widgetAvailable()) context.logger.error('the live-chat widget is not built (run `npm run build:widget`): /widget.js will fail');
    return {
      async routes(app) {
        await registerWebchatRoutes(app, { context, hub, seen, attachments, prefix });
      },
      // The visitor's sockets are brought up to date by the reply's `message.created`, on every
      // node: a committed reply is delivered, with no outbox row to claim, send and settle.
      deliversOnCommit: true,
      live: true,
      async send(message) {
        // Only replies queued before deliversOnCommit existed still come here.
        hub.kick(message.conversationId);
        return { externalId: outboundId(message.messageId) };
      },
      async start() {
        emailFallback?.start();
      },
      async close() {
        await emailFallback?.close();
        seen.close();
        hub.close();
        await hub.settled();
      },
    };
  },
});
