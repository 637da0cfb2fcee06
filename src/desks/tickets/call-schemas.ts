// The phone line's responses as OpenAPI schemas: Fastify serializes each route's answer by them
// (a field missing here is dropped on the wire), so they follow src/contracts/calls.ts field by
// field, and test/contracts/wire-types.test.ts holds the two together.
import { Type } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
const Direction = Type.Union([Type.Literal('in'), Type.Literal('out')]);
const Status = Type.Union([Type.Literal('ringing'), Type.Literal('answered'), Type.Literal('ended'), Type.Literal('missed')], {
  description: 'A live call from the switchboard; null for a call logged by hand or imported',
});

const callFields = {
  id: Type.Integer(),
  direction: Direction,
  number: Type.String(),
  startedAt: DateTime,
  durationSeconds: Type.Integer(),
  agentId: Nullable(Type.Integer()),
  contactId: Nullable(Type.Integer()),
  notes: Nullable(Type.String({ description: 'The operator\u2019s note on the call' })),
  source: Type.String({ description: '\u2018manual\u2019, \u2018cdr\u2019 (imported records) or the switchboard inbox\u2019s channel' }),
  status: Nullable(Status),
  hasRecording: Type.Boolean({ description: 'GET /calls/{id}/recording plays it through the gateway' }),
};

export const CallSchema = Type.Object(callFields);

export const CallDetailSchema = Type.Object({
  ...callFields,
  externalId: Nullable(Type.String()),
  createdAt: DateTime,
  answeredAt: Nullable(DateTime),
  endedAt: Nullable(DateTime),
  queueWaitSeconds: Nullable(Type.Integer()),
  queue: Nullable(Type.String()),
  extension: Nullable(Type.String()),
  calledBackAt: Nullable(DateTime),
  calledBackBy: Nullable(Type.Integer()),
});

export const CallerCardSchema = Type.Object({
  number: Type.String(),
  contact: Nullable(Type.Object({ id: Type.Integer(), name: Nullable(Type.String()), phone: Nullable(Type.String()), email: Nullable(Type.String()) })),
  conversations: Type.Array(Type.Object({ id: Type.Integer(), channel: Type.String(), inboxName: Type.String(), status: Type.String(), lastMessageAt: DateTime })),
  tickets: Type.Array(
    Type.Object({ id: Type.Integer(), code: Type.String(), subject: Type.String(), level: Type.Integer(), status: Type.String(), deadline: Nullable(DateTime), receivedAt: DateTime }),
    { description: 'Open tickets only' },
  ),
  dossiers: Type.Array(
    Type.Object({ id: Type.Integer(), code: Type.String(), procedure: Nullable(Type.String()), status: Nullable(Type.String()), dueAt: Nullable(DateTime), finishedAt: Nullable(DateTime), unit: Nullable(Type.String()) }),
  ),
  care: Type.Array(
    Type.Object({ targetId: Type.Integer(), campaignId: Type.Integer(), campaign: Type.String(), status: Type.String(), attempts: Type.Integer(), callBackAt: Nullable(DateTime) }),
    { description: 'Active care campaigns the citizen is on' },
  ),
  doNotContact: Nullable(Type.Object({ since: DateTime, source: Type.String() })),
});

export const CallWithCallerSchema = Type.Object({ call: CallDetailSchema, caller: CallerCardSchema });

export const MissedCallSchema = Type.Object({
  id: Type.Integer(),
  number: Type.String(),
  startedAt: DateTime,
  queue: Nullable(Type.String()),
  queueWaitSeconds: Nullable(Type.Integer()),
  contactId: Nullable(Type.Integer()),
  contactName: Nullable(Type.String()),
});

export const WallboardSchema = Type.Object({
  waiting: Type.Integer(),
  longestWaitSeconds: Type.Integer(),
  agents: Type.Array(
    Type.Object({
      id: Type.Integer(),
      displayName: Type.String(),
      presence: Type.String(),
      extension: Nullable(Type.String()),
      state: Type.Union([Type.Literal('on_call'), Type.Literal('free'), Type.Literal('away')]),
    }),
  ),
  onCall: Type.Integer(),
  free: Type.Integer(),
  away: Type.Integer(),
  today: Type.Object({ in: Type.Integer(), out: Type.Integer() }, { description: 'Calls since midnight in the hotline\u2019s time zone' }),
});

export const TelephonyInfoSchema = Type.Object({ clickToCall: Type.Boolean(), extension: Nullable(Type.String()), callerId: Nullable(Type.String()) });

export const CallDialedSchema = Type.Object({ extension: Type.String(), number: Type.String(), reference: Nullable(Type.String()) });

export const CdrImportSchema = Type.Object({
  imported: Type.Integer(),
  duplicates: Type.Integer(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() })),
});

export const CallChangedSchema = Type.Object({ ok: Type.Literal(true) });

export const CallLoggedSchema = Type.Object({
  id: Type.Integer(),
  contactId: Nullable(Type.Integer()),
  ticket: Nullable(Type.Object({ id: Type.Integer(), code: Type.String() })),
});
