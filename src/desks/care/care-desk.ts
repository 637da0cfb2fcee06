import type { Env } from '../../core/config/env-schema.ts';
import type { FileConfig } from '../../core/config/file-schema.ts';
import type { InboundHandler } from '../../core/inbound-handlers.ts';
import type { Outbox } from '../../core/outbox.ts';
import type { Outreach } from '../../core/outreach.ts';
import type { Store } from '../../core/store/store.ts';
import type { TicketDesk } from '../tickets/index.ts';
import { createCampaigns, httpSmsSender, type SmsSender } from './campaigns.ts';
import { createDossiers } from './dossiers.ts';
import { createStatusLookup, httpStatusSource, tableStatusSource, type DossierStatusSource } from './status-lookup.ts';
import type { NoticeTransport } from '../../core/notice-transports.ts';

interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Customer care in one place for the app: the imported dossiers, the status lookup citizens reach
 * from any channel, and the campaigns. Citizens' messages reach it through its two inbound
 * handlers, which the app places before the router.
 */
export function createCareDesk(deps: {
  store: Store;
  outbox: Outbox;
  outreach: Outreach;
  ticketDesk: TicketDesk;
  config: FileConfig;
  env: Pick<Env, 'SMS_GATEWAY_URL' | 'SMS_GATEWAY_TOKEN'>;
  publicBaseUrl: string;
  logger: Logger;
  /** The one-stop system's API, when a deployment asks it instead of the imported table. */
  statusSource?: DossierStatusSource;
  sms?: SmsSender;
  /** Ways to reach a phone number besides SMS (ZNS), from the channels. */
  noticeTransports?: readonly NoticeTransport[];
}) {
  const { store, outbox, config, logger } = deps;
  const timeZone = config.deployment.timezone;
  const dossiers = createDossiers(store, { timeZone });
  const statusLookup = createStatusLookup({ store, source: deps.statusSource ?? (config.care.statusApiUrl ? httpStatusSource(config.care.statusApiUrl.replace('%7Bcode%7D', '{code}')) : tableStatusSource(store)), pattern: config.care.dossierCodePattern, locale: config.deployment.locale, timeZone });
  const sms = deps.sms ?? (deps.env.SMS_GATEWAY_URL ? httpSmsSender(deps.env.SMS_GATEWAY_URL, deps.env.SMS_GATEWAY_TOKEN) : null);
  const campaigns = createCampaigns({ store, outreach: deps.outreach, desk: deps.ticketDesk, config, sms, publicBaseUrl: deps.publicBaseUrl, ...(deps.noticeTransports ? { noticeTransports: deps.noticeTransports } : {}) });

  async function answer(conversationId: number, text: string): Promise<void> {
    try {
      await outbox.enqueueReply({ conversationId, text, senderType: 'bot', senderRef: 'care', metadata: { care: true } });
    } catch (error) {
      logger.warn({ err: error, conversationId }, 'care reply not queued');
    }
  }

  /** A dossier status question, answered while the bot has the conversation. */
  const statusHandler: InboundHandler = {
    name: 'dossier-status',
    async take(message) {
      if (message.handler !== 'bot') return false;
      const reply = await statusLookup.reply(message);
      if (reply === null) return false;
      await answer(message.conversationId, reply);
      return true;
    },
  };

  /** A reply to a pre-notice with the opt-out word takes the citizen out of every campaign. */
  const noticeReplyHandler: InboundHandler = {
    name: 'care-notice-reply',
    async take(message) {
      const reply = await campaigns.replyToNotice({ contactId: message.contactId, text: message.text });
      if (reply === null) return false;
      await answer(message.conversationId, reply);
      return true;
    },
  };

  return { dossiers, statusLookup, campaigns, statusHandler, noticeReplyHandler };
}

export type CareDesk = ReturnType<typeof createCareDesk>;
