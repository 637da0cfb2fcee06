// The ceilings: bare Fastify routes that only parse and validate what the gateway's routes
// take, and store nothing: the web form's body (same schema, same Ajv options), and a signed
// Messenger webhook (raw body, HMAC check, JSON parse, every messaging event visited).
import { createHmac, timingSafeEqual } from 'node:crypto';
import ajvFormats from 'ajv-formats';
import Fastify from 'fastify';
import { publicMessageBody } from '../src/channels/webform/webhook.ts';

const app = Fastify({ logger: false, ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false }, plugins: [ajvFormats as never] } });
app.post('/api/public/messages', { schema: { body: publicMessageBody(5000) } }, async (_request, reply) => reply.status(202).send({ ok: true }));

const appSecret = process.env.FB_APP_SECRET ?? '';
await app.register(async (scope) => {
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  scope.post('/webhooks/facebook', async (request, reply) => {
    const raw = request.body as Buffer;
    const given = Buffer.from(String(request.headers['x-hub-signature-256'] ?? ''));
    const expected = Buffer.from(`sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.status(403).send();
    const payload = JSON.parse(raw.toString('utf8')) as { entry: Array<{ messaging: Array<{ message?: { mid: string } }> }> };
    let messages = 0;
    for (const entry of payload.entry) for (const event of entry.messaging) if (event.message?.mid) messages++;
    return reply.status(200).send(messages > 0 ? 'EVENT_RECEIVED' : 'NOTHING');
  });
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`running at ${url}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
