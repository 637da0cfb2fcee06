// The wire types the web app reads (src/contracts) against what the server's services return,
// as JSON: a field renamed, dropped or changed in kind on either side fails the typecheck
// (`npm run typecheck` checks this file; the run itself asserts nothing more).
import { describe, expectTypeOf, it } from 'vitest';
import type * as care from '../../src/contracts/care.ts';
import type * as inbox from '../../src/contracts/inbox.ts';
import type * as privacy from '../../src/contracts/privacy.ts';
import type * as tickets from '../../src/contracts/tickets.ts';
import type { Wire } from '../../src/contracts/wire.ts';
import type { Labels } from '../../src/core/labels.ts';
import type { CannedAnswers } from '../../src/core/canned-answers.ts';
import type { Conversations } from '../../src/core/conversations.ts';
import type { Campaigns } from '../../src/desks/care/campaigns.ts';
import type { Dossiers } from '../../src/desks/care/dossiers.ts';
import type { MonthlyReport, YearlyReport } from '../../src/desks/tickets/monthly-report.ts';
import type { PrintedTicket } from '../../src/desks/tickets/printed-ticket.ts';
import type { Tickets } from '../../src/desks/tickets/tickets.ts';
import type { PrivacyRequests } from '../../src/desks/privacy/requests.ts';

type Out<F extends (...args: never[]) => unknown> = Wire<NonNullable<Awaited<ReturnType<F>>>>;
/**
 * A wire type with its closed sets widened to their base type: the store hands the server plain
 * strings where the contract names the values, so the check is on fields and their kinds.
 */
type Loose<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T extends ReadonlyArray<infer U> ? Loose<U>[] : T extends object ? { [K in keyof T]: Loose<T[K]> } : T;

describe('src/contracts matches what the server sends', () => {
  it('care, tickets, privacy and the inbox', () => {
    expectTypeOf<Out<Campaigns['results']>>().toExtend<Loose<care.CampaignResults>>();
    expectTypeOf<Out<Campaigns['card']>>().toExtend<Loose<care.TargetCard>>();
    expectTypeOf<Out<Campaigns['create']>>().toExtend<Loose<care.CampaignCreated>>();
    expectTypeOf<Out<Campaigns['notify']>>().toExtend<Loose<care.NotifyResult>>();
    expectTypeOf<Out<Campaigns['list']>[number]>().toExtend<Loose<care.CampaignSummary>>();
    expectTypeOf<Out<Campaigns['get']>>().toExtend<Loose<care.CampaignDetail>>();
    expectTypeOf<Out<Dossiers['list']>>().toExtend<Loose<care.DossierPage>>();
    expectTypeOf<Out<Campaigns['toTicket']>>().toExtend<Loose<care.TargetTicket>>();
    expectTypeOf<Out<Tickets['list']>>().toExtend<Loose<tickets.TicketPage>>();
    expectTypeOf<Out<Conversations['list']>>().toExtend<Loose<inbox.ConversationPage>>();
    expectTypeOf<Wire<MonthlyReport>>().toExtend<Loose<tickets.MonthlyReport>>();
    expectTypeOf<Wire<YearlyReport>>().toExtend<Loose<tickets.YearlyReport>>();
    expectTypeOf<Wire<PrintedTicket>>().toExtend<Loose<tickets.PrintedTicket>>();
    // Event attachments are a JSON column the store types as unknown: the rest of the ticket is checked.
    expectTypeOf<Omit<Out<Tickets['get']>, 'history'>>().toExtend<Loose<Omit<tickets.Ticket, 'history'>>>();
    expectTypeOf<Out<PrivacyRequests['find']>>().toExtend<Loose<privacy.PrivacyRequest>>();
    expectTypeOf<Out<Labels['list']>[number]>().toExtend<Loose<inbox.Label>>();
    expectTypeOf<Out<CannedAnswers['list']>[number]>().toExtend<Loose<inbox.CannedAnswer>>();
    expectTypeOf<Out<Conversations['get']>>().toExtend<Loose<inbox.Conversation>>();
  });
});
