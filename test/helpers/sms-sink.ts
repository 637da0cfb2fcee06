import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One text the SMS provider was asked to send, with the bearer token it came with. */
export interface SmsSent {
  to: string;
  text: string;
  auth: string | undefined;
}

/**
 * An SMS provider stand-in speaking the gateway's SMS API (`POST {"to","text"}`, bearer token):
 * it keeps every text it is given and answers 202. `url` is what SMS_GATEWAY_URL takes.
 */
export async function startSmsSink() {
  const texts: SmsSent[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk));
    request.on('end', () => {
      texts.push({ ...(JSON.parse(body) as { to: string; text: string }), auth: request.headers.authorization });
      response.writeHead(202).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    texts,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type SmsSink = Awaited<ReturnType<typeof startSmsSink>>;
