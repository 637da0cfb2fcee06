// The ceiling: a bare Fastify route that only parses and validates the same body as
// POST /api/public/messages (same schema, same Ajv options), and stores nothing.
import ajvFormats from 'ajv-formats';
import Fastify from 'fastify';
import { publicMessageBody } from '../src/channels/webform/webhook.ts';

const app = Fastify({ logger: false, ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false }, plugins: [ajvFormats as never] } });
app.post('/api/public/messages', { schema: { body: publicMessageBody(5000) } }, async (_request, reply) => reply.status(202).send({ ok: true }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`running at ${url}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
