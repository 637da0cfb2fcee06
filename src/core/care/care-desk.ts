import type { Env } from '../config/env-schema.ts';
import type { FileConfig } from '../config/file-schema.ts';
import type { EventBus, GatewayEvents } from '../events.ts';
import type { Outbox } from '../outbox.ts';
import type { Outreach } from '../outreach.ts';
import type { Store } from '../store/store.ts';
import type { TicketDesk } from '../tickets/ticket-desk.ts';
import { createCampaigns, httpSmsSender, type SmsSender } from './campaigns.ts';
import { createDossiers } from './dossiers.ts';
import { inboundReader } from '../inbound-message.ts';
import { createStatusLookup, httpStatusSource, tableStatusSource, type DossierStatusSource } from './status-lookup.ts';

interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Customer care in one place for the app to start and stop: the imported dossiers, the status
 * lookup citizens reach from any channel, and the campaigns. Citizens' messages reach it through
 * the router (`preempt`), or, with the router off, through its own subscription.
 */
export function createCareDesk(deps: {
  store: Store;
  events: EventBus;
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
}) {
  const { store, events, outbox, config, logger } = deps;
  const timeZone = config.deployment.timezone;
  const dossiers = createDossiers(store, { timeZone });
  const statusLookup = createStatusLookup({ store, source: deps.statusSource ?? (config.care.statusApiUrl ? httpStatusSource(config.care.statusApiUrl.replace('%7Bcode%7D', '{code}')) : tableStatusSource(store)), pattern: config.care.dossierCodePattern, locale: config.deployment.locale, timeZone });
  const sms = deps.sms ?? (deps.env.SMS_GATEWAY_URL ? httpSmsSender(deps.env.SMS_GATEWAY_URL, deps.env.SMS_GATEWAY_TOKEN) : null);
  const campaigns = createCampaigns({ store, outreach: deps.outreach, desk: deps.ticketDesk, config, sms, publicBaseUrl: deps.publicBaseUrl });

  /**
   * Handles a citizen's message when it is care's: an opt-out reply to a pre-notice, or a dossier
   * status question (while the bot has the conversation). True when it answered, so the router
   * leaves the message alone.
   */
  const readInbound = inboundReader(store);

  async function preempt(event: GatewayEvents['message.created']): Promise<boolean> {
    if (event.direction !== 'in') return false;
    const row = await readInbound(event.messageId);
    if (!row) return false;
    const answer = (await campaigns.replyToNotice({ contactId: row.contactId, text: row.text })) ?? (row.handler === 'bot' ? await statusLookup.reply(row) : null);
    if (answer === null) return false;
    try {
      await outbox.enqueueReply({ conversationId: event.conversationId, text: answer, senderType: 'bot', senderRef: 'care', metadata: { care: true } });
    } catch (error) {
      logger.warn({ err: error, conversationId: event.conversationId }, 'care reply not queued');
    }
    return true;
  }

  let unsubscribe: (() => void) | undefined;
  return {
    dossiers,
    statusLookup,
    campaigns,
    preempt,
    start(options: { routerEnabled: boolean }) {
      if (options.routerEnabled) return;
      unsubscribe = events.on('message.created', (event) => void preempt(event).catch((err: unknown) => logger.error({ err }, 'care message handling failed')));
    },
    stop() {
      unsubscribe?.();
    },
  };
}

export type CareDesk = ReturnType<typeof createCareDesk>;
