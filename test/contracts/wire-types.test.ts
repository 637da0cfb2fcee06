// The wire types the web app reads (src/contracts) against what the server's services return,
// as JSON: a field renamed, dropped or changed in kind on either side fails the typecheck
// (`npm run typecheck` checks this file; the run itself asserts nothing more).
import type { Static } from 'typebox';
import { describe, expectTypeOf, it } from 'vitest';
import type * as calls from '../../src/contracts/calls.ts';
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
import type { Tickets } from '../../src/desks/tickets/tickets.ts';
import type { Calls } from '../../src/desks/tickets/calls.ts';
import type * as callSchemas from '../../src/desks/tickets/call-schemas.ts';
import type { callerCard } from '../../src/inbox/caller-card.ts';
import type { GatewayEvents } from '../../src/core/events.ts';
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
    // Event attachments are a JSON column the store types as unknown: the rest of the ticket is checked.
    expectTypeOf<Omit<Out<Tickets['get']>, 'history'>>().toExtend<Loose<Omit<tickets.Ticket, 'history'>>>();
    expectTypeOf<Out<PrivacyRequests['find']>>().toExtend<Loose<privacy.PrivacyRequest>>();
    expectTypeOf<Out<Labels['list']>[number]>().toExtend<Loose<inbox.Label>>();
    expectTypeOf<Out<CannedAnswers['list']>[number]>().toExtend<Loose<inbox.CannedAnswer>>();
    expectTypeOf<Out<Conversations['get']>>().toExtend<Loose<inbox.Conversation>>();
    expectTypeOf<Out<Calls['list']>[number]>().toExtend<Loose<calls.Call>>();
    expectTypeOf<Out<Calls['get']>>().toExtend<Loose<calls.CallDetail>>();
    expectTypeOf<Out<Calls['missed']>[number]>().toExtend<Loose<calls.MissedCall>>();
    expectTypeOf<Out<Calls['wallboard']>>().toExtend<Loose<calls.Wallboard>>();
    expectTypeOf<Out<Calls['importCdr']>>().toExtend<Loose<calls.CdrImportResult>>();
    expectTypeOf<Out<typeof callerCard>>().toExtend<Loose<calls.CallerCard>>();
    // The live feed sends call.updated as the bus carries it.
    expectTypeOf<Wire<GatewayEvents['call.updated']>>().toExtend<Loose<calls.LiveCall>>();
  });

  // Fastify serializes a response by its route's schema and drops what the schema does not name:
  // each schema of the phone line's routes says exactly what its contract says.
  it('the phone line\u2019s response schemas and src/contracts/calls.ts', () => {
    expectTypeOf<Static<typeof callSchemas.CallSchema>>().toEqualTypeOf<calls.Call>();
    expectTypeOf<Static<typeof callSchemas.CallDetailSchema>>().toEqualTypeOf<calls.CallDetail>();
    expectTypeOf<Static<typeof callSchemas.CallerCardSchema>>().toEqualTypeOf<calls.CallerCard>();
    expectTypeOf<Static<typeof callSchemas.CallWithCallerSchema>>().toEqualTypeOf<calls.CallWithCaller>();
    expectTypeOf<Static<typeof callSchemas.MissedCallSchema>>().toEqualTypeOf<calls.MissedCall>();
    expectTypeOf<Static<typeof callSchemas.WallboardSchema>>().toEqualTypeOf<calls.Wallboard>();
    expectTypeOf<Static<typeof callSchemas.TelephonyInfoSchema>>().toEqualTypeOf<calls.TelephonyInfo>();
    expectTypeOf<Static<typeof callSchemas.CallDialedSchema>>().toEqualTypeOf<calls.CallDialed>();
    expectTypeOf<Static<typeof callSchemas.CdrImportSchema>>().toEqualTypeOf<calls.CdrImportResult>();
    expectTypeOf<Static<typeof callSchemas.CallChangedSchema>>().toEqualTypeOf<calls.CallChanged>();
    expectTypeOf<Static<typeof callSchemas.CallLoggedSchema>>().toEqualTypeOf<tickets.CallLogged>();
  });
});
