import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import { appendAudit } from '../core/audit.ts';
import { ChannelError, HttpError, NotFoundError } from '../core/errors.ts';
import { actorOf, requirePrincipal, requireSupervisor } from '../core/http/auth.ts';
import type { Store } from '../core/store/store.ts';
import { dialable, type Dialer } from '../core/telephony.ts';
import { callSchemas, type TicketDesk } from '../desks/tickets/index.ts';
import { callerCard } from './caller-card.ts';

const security = [{ bearerAuth: [] }];
const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const staffRoles = new Set(['admin', 'supervisor', 'agent']);
/** Streamed as the switchboard gives it (never serialized): documented for the OpenAPI reader. */
const recording = { description: 'The recording\u2019s bytes (audio/*), a range of them with 206', content: { 'audio/*': { schema: Type.String({ format: 'binary' }) } } };
const { CallChangedSchema, CallDialedSchema, CallWithCallerSchema, MissedCallSchema, TelephonyInfoSchema, WallboardSchema } = callSchemas;

/** The hotline's phone staff (operators, supervisors, admins, integration tokens); never unit staff. */
function requirePhoneStaff(request: FastifyRequest) {
  const p = request.principal!;
  if (p.kind === 'agent' && !staffRoles.has(p.role)) throw new HttpError(403, 'forbidden', 'calls are for the hotline\u2019s operators');
}

/**
 * The phone line in the inbox: a call with its caller's card, notes, the recording played
 * through the gateway, click-to-call from the official number, missed calls and the wallboard.
 * Every read of a caller's details or of a recording is audited.
 */
export async function telephonyApi(app: FastifyInstance, deps: { store: Store; accounts: Accounts; desk: TicketDesk; dialer: () => Dialer | undefined; callerId?: string }) {
  const { store, desk } = deps;
  const { t } = store;
  requirePrincipal(app, deps);
  const audit = (request: FastifyRequest, action: string, subjectId: number, detail?: Record<string, unknown>) =>
    store.tx((db) => appendAudit(store, db, { actor: actorOf(request), action, subjectType: 'call', subjectId, ...(detail ? { detail } : {}) }));

  app.get('/telephony', { schema: { tags: ['calls'], summary: 'Whether click-to-call is available, and the caller\u2019s own extension', security, response: { 200: TelephonyInfoSchema } } }, async (request) => {
    const p = request.principal!;
    let extension: string | null = null;
    if (p.kind === 'agent') [{ extension } = { extension: null }] = await store.db.select({ extension: t.agents.extension }).from(t.agents).where(eq(t.agents.id, p.agentId)).limit(1);
    return { clickToCall: Boolean(deps.dialer()), extension, callerId: deps.callerId ?? null };
  });

  app.get('/calls/wallboard', { schema: { tags: ['calls'], summary: 'Calls waiting, longest wait, operators on a call, free and away, calls in and out today (supervisors)', security, response: { 200: WallboardSchema } } }, async (request) => {
    requireSupervisor(request);
    return desk.calls.wallboard();
  });

  app.get('/calls/missed', { schema: { tags: ['calls'], summary: 'Missed and abandoned calls nobody has called back yet, oldest first (supervisors)', security, response: { 200: Type.Object({ items: Type.Array(MissedCallSchema) }) } } }, async (request) => {
    requireSupervisor(request);
    const items = await desk.calls.missed();
    await store.tx((db) => appendAudit(store, db, { actor: actorOf(request), action: 'call.missed.read', detail: { count: items.length } }));
    return { items };
  });

  app.post('/calls/:id/handled', { schema: { tags: ['calls'], summary: 'Takes a missed call off the list (called back, or no call back needed)', security, params: Id, response: { 200: CallChangedSchema } } }, async (request) => {
    requirePhoneStaff(request);
    const { id } = request.params as { id: number };
    const p = request.principal!;
    await desk.calls.markMissedHandled(id, p.kind === 'agent' ? p.agentId : null);
    await audit(request, 'call.missed.handled', id);
    return { ok: true };
  });

  app.get('/calls/:id', { schema: { tags: ['calls'], summary: 'One call with its caller: contact, conversations, open tickets, dossiers, care status, do-not-contact', security, params: Id, response: { 200: CallWithCallerSchema } } }, async (request) => {
    requirePhoneStaff(request);
    const { id } = request.params as { id: number };
    const call = await desk.calls.get(id);
    const caller = await callerCard(store, call.number, call.contactId);
    await audit(request, 'call.read', id, { contactId: caller.contact?.id ?? null });
    return { call, caller };
  });

  app.put(
    '/calls/:id/note',
    { schema: { tags: ['calls'], summary: 'The operator\u2019s note on a call', security, params: Id, body: Type.Object({ notes: Type.String({ maxLength: 5000 }) }, { additionalProperties: false }), response: { 200: CallChangedSchema } } },
    async (request) => {
      requirePhoneStaff(request);
      const { id } = request.params as { id: number };
      await desk.calls.setNote(id, (request.body as { notes: string }).notes);
      await audit(request, 'call.noted', id);
      return { ok: true };
    },
  );

  app.get('/calls/:id/recording', { schema: { tags: ['calls'], summary: 'The call\u2019s recording, fetched from the switchboard by the gateway (audited)', security, params: Id, response: { 200: recording, 206: recording } } }, async (request, reply) => {
    requirePhoneStaff(request);
    const { id } = request.params as { id: number };
    const url = await desk.calls.recordingUrlOf(id);
    if (!url) throw new NotFoundError('recording');
    // Audited before a byte leaves: listening is reading personal data.
    await audit(request, 'call.recording.played', id);
    const range = request.headers.range;
    let upstream: Response;
    try {
      upstream = await fetch(url, { headers: range ? { range } : {}, signal: AbortSignal.timeout(30_000) });
    } catch {
      throw new HttpError(502, 'switchboard_unreachable', 'the switchboard did not give the recording');
    }
    if (upstream.status === 404) throw new NotFoundError('recording');
    if (!upstream.ok || !upstream.body) throw new HttpError(502, 'switchboard_error', `the switchboard answered ${upstream.status}`);
    reply.code(upstream.status === 206 ? 206 : 200);
    for (const header of ['content-type', 'content-length', 'content-range', 'accept-ranges']) {
      const value = upstream.headers.get(header);
      if (value) reply.header(header, value);
    }
    reply.header('cache-control', 'private, no-store');
    return reply.send(Readable.fromWeb(upstream.body as never));
  });

  app.post(
    '/calls/dial',
    {
      schema: {
        tags: ['calls'],
        summary: 'Click-to-call: the switchboard rings the caller\u2019s extension, then the citizen, from the official number',
        security,
        body: Type.Object(
          {
            number: Type.Optional(Type.String({ minLength: 2, maxLength: 30, pattern: '^[0-9 +().-]+$' })),
            contactId: Type.Optional(Type.Integer({ minimum: 1 })),
            ticketId: Type.Optional(Type.Integer({ minimum: 1 })),
            callId: Type.Optional(Type.Integer({ minimum: 1, description: 'A missed call to call back' })),
            targetId: Type.Optional(Type.Integer({ minimum: 1, description: 'A care-campaign citizen' })),
            extension: Type.Optional(Type.String({ pattern: '^[0-9]{2,6}$', description: 'Integrations only: the extension to ring' })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 202: CallDialedSchema },
      },
    },
    async (request, reply) => {
      requirePhoneStaff(request);
      const body = request.body as { number?: string; contactId?: number; ticketId?: number; callId?: number; targetId?: number; extension?: string };
      const dialer = deps.dialer();
      if (!dialer) throw new HttpError(503, 'no_switchboard', 'no switchboard able to place calls is configured');
      const p = request.principal!;
      let extension = body.extension ?? null;
      if (p.kind === 'agent') {
        [{ extension } = { extension: null }] = await store.db.select({ extension: t.agents.extension }).from(t.agents).where(eq(t.agents.id, p.agentId)).limit(1);
      }
      if (!extension) throw new HttpError(409, 'no_extension', 'your account has no telephone extension: an admin sets it under accounts');
      const raw = await numberFor(body);
      const number = raw ? dialable(raw) : null;
      if (!number) throw new HttpError(400, 'no_number', 'there is no number to call');
      try {
        const result = await dialer.dial({ extension, number, ...(deps.callerId ? { callerId: deps.callerId } : {}) });
        await store.tx((db) =>
          appendAudit(store, db, { actor: actorOf(request), action: 'call.dialed', subjectType: 'call', subjectId: body.callId ?? 0, detail: { extension, from: Object.keys(body).filter((k) => k !== 'number')[0] ?? 'number' } }),
        );
        if (body.callId) await desk.calls.markMissedHandled(body.callId, p.kind === 'agent' ? p.agentId : null).catch(() => {});
        return reply.code(202).send({ extension, number, reference: result.reference });
      } catch (error) {
        if (error instanceof ChannelError) throw new HttpError(502, 'dial_failed', error.message);
        throw error;
      }
    },
  );

  /** The number behind what the operator clicked: a contact, a ticket's caller, a missed call, a care citizen. */
  async function numberFor(body: { number?: string; contactId?: number; ticketId?: number; callId?: number; targetId?: number }): Promise<string | null> {
    if (body.number) return body.number;
    const phoneOfContact = async (id: number | null) => {
      if (id === null) return null;
      const [row] = await store.db.select({ phone: t.contacts.phone }).from(t.contacts).where(eq(t.contacts.id, id)).limit(1);
      return row?.phone ?? null;
    };
    if (body.contactId) {
      const [row] = await store.db.select({ id: t.contacts.id }).from(t.contacts).where(eq(t.contacts.id, body.contactId)).limit(1);
      if (!row) throw new NotFoundError('contact');
      return phoneOfContact(row.id);
    }
    if (body.callId) return (await desk.calls.get(body.callId)).number;
    if (body.ticketId) {
      const [ticket] = await store.db.select({ contactId: t.tickets.contactId, callId: t.tickets.callId }).from(t.tickets).where(eq(t.tickets.id, body.ticketId)).limit(1);
      if (!ticket) throw new NotFoundError('ticket');
      return (await phoneOfContact(ticket.contactId)) ?? (ticket.callId ? (await desk.calls.get(ticket.callId)).number : null);
    }
    if (body.targetId) {
      const [target] = await store.db.select({ phone: t.campaignTargets.phone }).from(t.campaignTargets).where(eq(t.campaignTargets.id, body.targetId)).limit(1);
      if (!target) throw new NotFoundError('campaign target');
      return target.phone;
    }
    return null;
  }
}
