// Load for the Messenger webhook: signed POSTs shaped like Facebook's, each with fresh mids so
// every message is new to the gateway (nothing is dropped as a duplicate). Self-contained: it
// only builds autocannon options; bench/run.ts starts the gateway and runs them.
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import type { Options, Request } from 'autocannon';
import { question } from './questions.ts';

export interface MessengerWebhookBenchInput {
  /** The gateway under test, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  /** FB_APP_SECRET of the gateway: every POST is signed with it like Facebook does. */
  appSecret: string;
  /** Messaging events per POST (Facebook batches up to many per request). */
  messagesPerPost: number;
  /** FB_PAGE_ID of the gateway (entries of other pages are ignored). */
  pageId?: string;
  /** Distinct senders the messages are spread over (each is one conversation); unset, every
   * message comes from a sender of its own, as a new citizen. */
  people?: number;
  path?: string;
}

/** The page id the bench uses unless told otherwise; give the gateway the same FB_PAGE_ID. */
export const benchPageId = '107345678901234';

/**
 * Environment for a gateway process under this load. The Graph base URL is the bench's own
 * stand-in (bench/graph-standin.ts) when given, else a closed local port, so the profile
 * fetches and sends fail at once instead of calling graph.facebook.com with a fake token.
 */
export function messengerBenchEnv(appSecret: string, graphBaseUrl = 'http://127.0.0.1:9', pageId = benchPageId): Record<string, string> {
  return {
    FB_PAGE_ID: pageId,
    FB_APP_SECRET: appSecret,
    FB_VERIFY_TOKEN: 'bench-verify-token',
    FB_PAGE_ACCESS_TOKEN: 'bench-page-token',
    FB_APP_ID: '1',
    FB_GRAPH_BASE_URL: graphBaseUrl,
  };
}


/**
 * autocannon options (url and one request template) for signed Messenger webhook POSTs.
 * `setupRequest` builds each body with unique mids and signs it, so retries of the bench
 * against the same database still store every message. Add `connections` and `duration`.
 */
export async function messengerWebhookOptions(input: MessengerWebhookBenchInput): Promise<Options> {
  const pageId = input.pageId ?? benchPageId;
  const people = input.people ?? Number.MAX_SAFE_INTEGER;
  // Senders new to the gateway in each run (PSIDs are numeric strings of up to 16 digits).
  const firstPsid = 7_000_000_000_000_000 + randomInt(0, 1_000_000) * 1_000_000_000;
  const perPost = Math.max(1, Math.floor(input.messagesPerPost));
  // Unique per run, so a second run on the same store is not deduplicated away.
  const run = randomBytes(6).toString('hex');
  let post = 0;

  const body = (n: number): string => {
    const now = Date.now();
    const messaging = Array.from({ length: perPost }, (_, i) => {
      const seq = n * perPost + i;
      const psid = String(firstPsid + (seq % people));
      return { sender: { id: psid }, recipient: { id: pageId }, timestamp: now, message: { mid: `m_bench-${run}-${seq}`, text: question(seq) } };
    });
    return JSON.stringify({ object: 'page', entry: [{ id: pageId, time: now, messaging }] });
  };

  return {
    url: input.baseUrl,
    requests: [
      {
        method: 'POST',
        path: input.path ?? '/webhooks/facebook',
        setupRequest: (request: Request): Request => {
          const raw = body(post++);
          const signature = `sha256=${createHmac('sha256', input.appSecret).update(raw).digest('hex')}`;
          return { ...request, body: raw, headers: { ...request.headers, 'content-type': 'application/json', 'x-hub-signature-256': signature } };
        },
      },
    ],
  };
}

/** Both shapes the benchmark reports: one message per POST, and batches of 50. */
export async function messengerWebhookBenchOptions(baseUrl: string, appSecret: string): Promise<{ single: Options; batch50: Options }> {
  return {
    single: await messengerWebhookOptions({ baseUrl, appSecret, messagesPerPost: 1 }),
    batch50: await messengerWebhookOptions({ baseUrl, appSecret, messagesPerPost: 50 }),
  };
}
