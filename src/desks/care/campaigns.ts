import type { FileConfig } from '../../core/config/file-schema.ts';
import type { NoticeTransport } from '../../core/notice-transport.ts';
import type { Outreach } from '../../core/outreach.ts';
import type { Store } from '../../core/store/store.ts';
import type { TicketDesk } from '../tickets/index.ts';
import type { TargetStatus } from './campaign-rules.ts';
import { createCampaignContext } from './campaigns/context.ts';
import { createCampaignDraw } from './campaigns/draw.ts';
import { createNotices } from './campaigns/notices.ts';
import { createOptOuts } from './campaigns/opt-outs.ts';
import { createCallQueue } from './campaigns/queue.ts';
import { createCampaignResults } from './campaigns/results.ts';
import { createCampaignSurvey } from './campaigns/survey.ts';
import { createTicketsFromAnswers } from './campaigns/tickets-from-answers.ts';
import { createVisits } from './campaigns/visits.ts';

export type { CampaignInput, PopulationFilter } from './campaigns/draw.ts';

/**
 * Customer-care and survey campaigns, composed from one module per job (campaigns/): the draw,
 * the pre-notice, opt-outs, the operators' queue, field visits, the one-time web survey, the
 * results, and the ticket a complaint becomes. Role checks live in campaigns/roles.ts.
 */
export function createCampaigns(deps: {
  store: Store;
  outreach: Outreach;
  desk: TicketDesk;
  config: FileConfig;
  /** The one-way transports the deployment set up (SMS...), tried in `care.noticeOrder`. */
  noticeTransports: readonly NoticeTransport[];
  /** Where citizens open survey links (the gateway's public address). */
  publicBaseUrl: string;
  now?: () => Date;
}) {
  const ctx = createCampaignContext(deps.store, deps.config, deps.now ?? (() => new Date()));
  const draw = createCampaignDraw(ctx);
  const survey = createCampaignSurvey(ctx, deps.publicBaseUrl);
  const optOuts = createOptOuts(ctx);
  const notices = createNotices(ctx, { outreach: deps.outreach, transports: deps.noticeTransports, surveyLink: (targetId) => survey.surveyLink(targetId) });
  const queue = createCallQueue(ctx, { calls: deps.desk.calls, optOut: optOuts.optOut });
  const visits = createVisits(ctx, queue.card);
  const tickets = createTicketsFromAnswers(ctx, deps.desk, queue.card);
  const results = createCampaignResults(ctx);

  return {
    create: draw.create,
    list: draw.list,
    get: draw.get,
    notify: notices.notify,
    next: queue.next,
    record: queue.record,
    card: queue.card,
    assignVisits: visits.assignVisits,
    visits: visits.visits,
    surveyLink: survey.surveyLink,
    survey: survey.survey,
    submitSurvey: survey.submitSurvey,
    toTicket: tickets.toTicket,
    results: results.results,
    figures: results.figures,
    close: draw.close,
    replyToNotice: optOuts.replyToNotice,
  };
}

export type Campaigns = ReturnType<typeof createCampaigns>;
export type CampaignResults = Awaited<ReturnType<Campaigns['results']>>;
export type { TargetStatus };
