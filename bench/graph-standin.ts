// A Graph API stand-in for the Messenger bench: it takes the page's sends and answers profile
// reads at once, as graph.facebook.com does when all is well, so the bot's answers cost what a
// real send costs the gateway (claim, request, settle) instead of failing and being retried.
// A process of its own, so its work is not charged to the gateway or to the load generator.
import { createServer } from 'node:http';

let sent = 0;
const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://graph').pathname;
  request.resume();
  request.on('end', () => {
    let body: unknown;
    if (request.method === 'POST' && /^\/v\d+\.\d+\/[^/]+\/messages$/.test(path)) body = { recipient_id: '0', message_id: `m_graph-bench-${++sent}` };
    // The bench asks how many sends arrived, to time the answers that reached the platform.
    else if (request.method === 'GET' && path === '/bench/sent') body = { sent };
    else if (request.method === 'GET' && /^\/v\d+\.\d+\/\d+$/.test(path)) body = { id: path.split('/').at(-1), first_name: 'Lan', last_name: 'Nguyễn' };
    response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body ?? { error: { message: 'Unknown path', type: 'OAuthException', code: 803 } }));
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`running at http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
