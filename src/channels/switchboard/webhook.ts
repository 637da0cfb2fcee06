import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { HttpError } from '../../core/errors.ts';
import type { CallEvent, CallEventSink } from '../../core/telephony.ts';

/** One call event as a cloud call centre posts it (the OpenAPI document shows this shape). */
export const WebhookCallEvent = Type.Object(
  {
    callId: Type.String({ minLength: 1, maxLength: 200, description: "The call centre's id of the whole call; every event of one call carries it" }),
    type: Type.Union([Type.Literal('ringing'), Type.Literal('answered'), Type.Literal('ended'), Type.Literal('abandoned'), Type.Literal('recording')], {
      description: 'ringing (at an extension, or in the queue without one), answered, ended, abandoned (hung up waiting), recording (ready)',
    }),
    at: Type.String({ format: 'date-time', description: 'When it happened on the switchboard (ISO 8601 with offset)' }),
    direction: Type.Optional(Type.Union([Type.Literal('in'), Type.Literal('out')])),
    number: Type.Optional(Type.String({ maxLength: 40, description: "The citizen's number" })),
    extension: Type.Optional(Type.String({ maxLength: 20, description: 'The operator extension that rings or answered' })),
    queue: Type.Optional(Type.String({ maxLength: 80 })),
    queueWaitSeconds: Type.Optional(Type.Number({ minimum: 0 })),
    recordingUrl: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export const WebhookBody = Type.Object({ events: Type.Array(WebhookCallEvent, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false });
export type WebhookBody = Static<typeof WebhookBody>;

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`: the timestamp is signed too, so it cannot be refreshed. */
export function switchboardSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

function sameBytes(a: string, b: string): boolean {
  const given = Buffer.from(a, 'utf8');
  const expected = Buffer.from(b, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const typeCheck = (() => {
  // Validated by hand after the signature: the route's body is raw bytes.
  const fields = new Set(Object.keys(WebhookCallEvent.properties));
  const stages = new Set(['ringing', 'answered', 'ended', 'abandoned', 'recording']);
  return (value: unknown): { events: CallEvent[] } | string => {
    if (!value || typeof value !== 'object' || !Array.isArray((value as { events?: unknown }).events)) return 'body must be {"events": [...]}';
    const list = (value as { events: unknown[] }).events;
    if (list.length === 0 || list.length > 100) return 'events: 1 to 100 per post';
    const events: CallEvent[] = [];
    for (const [index, raw] of list.entries()) {
      const where = `events[${index}]`;
      if (!raw || typeof raw !== 'object') return `${where} must be an object`;
      const e = raw as Record<string, unknown>;
      const unknownField = Object.keys(e).find((key) => !fields.has(key));
      if (unknownField) return `${where}.${unknownField} is not a known field`;
      if (typeof e.callId !== 'string' || !e.callId || e.callId.length > 200) return `${where}.callId must be a string`;
      if (typeof e.type !== 'string' || !stages.has(e.type)) return `${where}.type must be one of ${[...stages].join(', ')}`;
      const at = typeof e.at === 'string' && /[zZ]|[+-]\d{2}:?\d{2}$/.test(e.at) ? new Date(e.at) : null;
      if (!at || Number.isNaN(at.getTime())) return `${where}.at must be an ISO 8601 time with an offset`;
      if (e.direction !== undefined && e.direction !== 'in' && e.direction !== 'out') return `${where}.direction must be in or out`;
      for (const key of ['number', 'extension', 'queue', 'recordingUrl'] as const) {
        if (e[key] !== undefined && typeof e[key] !== 'string') return `${where}.${key} must be a string`;
      }
      if (e.queueWaitSeconds !== undefined && (typeof e.queueWaitSeconds !== 'number' || !(e.queueWaitSeconds >= 0))) return `${where}.queueWaitSeconds must be a number >= 0`;
      if (typeof e.recordingUrl === 'string' && !/^https?:\/\//.test(e.recordingUrl)) return `${where}.recordingUrl must be an http(s) URL`;
      events.push({
        callId: e.callId,
        stage: e.type as CallEvent['stage'],
        at,
        ...(e.direction ? { direction: e.direction as 'in' | 'out' } : {}),
        ...(typeof e.number === 'string' ? { number: e.number } : {}),
        ...(typeof e.extension === 'string' ? { extension: e.extension } : {}),
        ...(typeof e.queue === 'string' ? { queue: e.queue } : {}),
        ...(typeof e.queueWaitSeconds === 'number' ? { queueWaitSeconds: e.queueWaitSeconds } : {}),
        ...(typeof e.recordingUrl === 'string' ? { recordingUrl: e.recordingUrl } : {}),
      });
    }
    return { events };
  };
})();

/**
 * `POST <path>`: a call centre's signed call events. The signature is checked over the raw bytes
 * before anything is parsed, and the signed timestamp must be within the tolerance: a bad
 * signature or a stale (replayed) post is 401 and nothing is stored. Answered with 200 after
 * every event's row is committed, so the sender's retry after a failure is safe (events are
 * idempotent on the call id and stage).
 */
export function registerSwitchboardWebhook(app: FastifyInstance, deps: { path: string; secret: string; toleranceSeconds: number; calls: CallEventSink; source: string; now?: () => number }) {
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post(
    deps.path,
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Call events from a cloud call centre (HMAC-SHA256 over "<timestamp>.<body>")',
        description:
          'Headers: `X-Switchboard-Timestamp` (Unix seconds) and `X-Switchboard-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. Refused with 401 when the signature is wrong or the timestamp is more than the tolerance (300 s by default) away from now.',
        headers: Type.Object({ 'x-switchboard-timestamp': Type.String(), 'x-switchboard-signature': Type.String() }),
        body: WebhookBody,
        response: { 200: Type.Object({ received: Type.Integer() }) },
      },
      // The schema documents the shape; the body is checked by hand after the signature.
      validatorCompiler: () => () => true,
    },
    async (request) => {
      const timestamp = String(request.headers['x-switchboard-timestamp'] ?? '');
      const signature = String(request.headers['x-switchboard-signature'] ?? '').trim().toLowerCase();
      const raw = request.body as Buffer | undefined;
      if (!Buffer.isBuffer(raw)) throw new HttpError(415, 'unsupported_media_type', 'send application/json');
      if (!/^\d{9,11}$/.test(timestamp) || !signature || !sameBytes(signature, switchboardSignature(deps.secret, timestamp, raw))) {
        throw new HttpError(401, 'bad_signature', 'the signature does not match the body and timestamp');
      }
      const now = deps.now?.() ?? Date.now();
      if (Math.abs(now / 1000 - Number(timestamp)) > deps.toleranceSeconds) throw new HttpError(401, 'stale_event', `the timestamp is more than ${deps.toleranceSeconds} s away from now`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, 'invalid_json', 'the body is not JSON');
      }
      const checked = typeCheck(parsed);
      if (typeof checked === 'string') throw new HttpError(400, 'invalid_event', checked);
      for (const event of checked.events) await deps.calls.record(event, deps.source);
      return { received: checked.events.length };
    },
  );
}
