import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { parse, stringify } from 'yaml';
import type { TestApp } from './app.ts';

// A local stand-in for openapi.zalo.me, oauth.zaloapp.com and graph.facebook.com, answering the
// documented requests with the documented shapes (success, error codes, slow answers), and
// recording what the gateway sent so tests can assert on the platform side of the wire.

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a flaky run is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Failure injection for the send endpoints. */
export interface Faults {
  seed: number;
  /** Share of sends answered with a retryable error (rate limit, 5xx, transient). */
  failureRate: number;
  /** Share of sends held past the gateway's timeout and then dropped, never recorded. */
  slowRate: number;
  /** How long a slow send is held before its connection is dropped. */
  slowMs: number;
}

export interface ZaloSend {
  userId: string;
  message: Record<string, unknown>;
  messageId: string;
  accessToken: string;
}

export interface GraphSend {
  psid: string;
  body: Record<string, unknown>;
  messageId: string;
}

export interface ZaloApiError {
  error: number;
  message: string;
  /** Answer with it this many times, then succeed (unset: always). */
  times?: number;
}

export interface GraphApiError {
  /** Answer with it this many times, then succeed (unset: always). */
  times?: number;
  status: number;
  error: { message: string; type?: string; code: number; error_subcode?: number; is_transient?: boolean; fbtrace_id?: string };
}

export const zaloIds = { appId: '4143463830421360512', oaId: '579745863508352884' } as const;
export const graphIds = { pageId: '107345678901234', appId: '1517776481860111' } as const;

export interface PlatformStandin {
  /** http://127.0.0.1:<port>: the base of every stand-in API. */
  url: string;
  /** Every request seen, in order. */
  requests: Array<{ method: string; path: string; at: number }>;
  faults: Faults | null;
  zalo: {
    appSecret: string;
    validAccessTokens: Set<string>;
    /** Refresh tokens Zalo would accept (each once). */
    validRefreshTokens: Set<string>;
    /** `expires_in` of issued tokens, a string as Zalo sends it. */
    expiresIn: string;
    refreshDelayMs: number;
    refreshCalls: Array<{ secretKey: string | undefined; form: Record<string, string> }>;
    /** Tokens issued by refreshes, in order. */
    issued: Array<{ accessToken: string; refreshToken: string }>;
    sends: ZaloSend[];
    uploads: Array<{ kind: 'image' | 'file'; name: string; size: number; type: string; sha256: string }>;
    profileCalls: string[];
    profileDelayMs: number;
    /** Forced error answers per recipient user id. */
    userErrors: Map<string, ZaloApiError>;
    /** Runs after a send was recorded and before it is answered (to race echoes with answers). */
    beforeAnswer?: (send: ZaloSend) => Promise<void>;
    /** ZNS template messages accepted by `POST /message/template` (business.openapi.zalo.me). */
    znsSends: Array<{ phone: string; templateId: string; templateData: Record<string, string>; trackingId: string; msgId: string }>;
    /** ZNS answers forced per phone (84 format): -118/-119 not on Zalo, -144 quota, -133 night... */
    znsPhoneErrors: Map<string, ZaloApiError>;
    /** Template ids Zalo approved; others answer as not approved. */
    znsApprovedTemplates: Set<string>;
    /**
     * What `POST /v3.0/oa/quota/message` answers per user id: a quota (`data: [quota]`) or an
     * error; a user not listed gets HTTP 404, as if the endpoint could not be reached.
     */
    quotas: Map<string, { quota_type?: string; remain: number | string; total?: number | string; expired_date?: string } | ZaloApiError>;
    /** The user ids the quota endpoint was asked about, in order. */
    quotaCalls: string[];
  };
  graph: {
    pageToken: string;
    sends: GraphSend[];
    /** Attachment Upload API calls (`message_attachments`), in order. */
    uploads: Array<{ attachmentId: string; message: Record<string, unknown>; name: string; size: number; type: string; sha256: string }>;
    profileCalls: string[];
    profileDelayMs: number;
    userErrors: Map<string, GraphApiError>;
    beforeAnswer?: (send: GraphSend) => Promise<void>;
  };
  /**
   * Bytes served at `${url}/files/<name>`, standing in for a platform's CDN links (and files the
   * gateway holds): `failFirst` answers that many requests with 503 first; `once` serves the file
   * once and then 404s, as an expired Facebook CDN link does; `stallFirst` sends the headers and
   * half the bytes of that many answers, then nothing more (a CDN connection that hangs), and
   * counts in `stallsDropped` those the gateway hung up on.
   */
  files: Map<string, { type: string; body: Buffer; once?: boolean; failFirst?: number; stallFirst?: number; stallsDropped?: number }>;
  /** How many times each `/files/<name>` was requested. */
  fileRequests: Map<string, number>;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

/** Answers and returns true ("handled"), so a route can `return send(...)`. */
const send = (response: ServerResponse, status: number, body: unknown): true => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json; charset=utf-8' });
  response.end(text);
  return true;
};

/** Takes one use of a forced error; a counted one is removed when used up. */
function takeForced<E extends { times?: number }>(errors: Map<string, E>, key: string): E | undefined {
  const forced = errors.get(key);
  if (!forced) return undefined;
  if (forced.times !== undefined) {
    forced.times -= 1;
    if (forced.times <= 0) errors.delete(key);
  }
  return forced;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startPlatformStandin(options: { zaloAccessToken?: string; zaloRefreshToken?: string; pageToken?: string } = {}): Promise<PlatformStandin> {
  let random = seededRandom(1);
  let faults: Faults | null = null;
  let zaloMessages = 0;
  let graphMessages = 0;
  let attachments = 0;
  const state: PlatformStandin = {
    url: '',
    requests: [],
    get faults() {
      return faults;
    },
    set faults(value: Faults | null) {
      faults = value;
      random = seededRandom(value?.seed ?? 1);
    },
    zalo: {
      appSecret: 'zalo-app-secret',
      validAccessTokens: new Set([options.zaloAccessToken ?? 'zalo-access-0']),
      validRefreshTokens: new Set([options.zaloRefreshToken ?? 'zalo-refresh-0']),
      expiresIn: '90000',
      refreshDelayMs: 0,
      refreshCalls: [],
      issued: [],
      sends: [],
      uploads: [],
      profileCalls: [],
      profileDelayMs: 0,
      userErrors: new Map(),
      znsSends: [],
      znsPhoneErrors: new Map(),
      znsApprovedTemplates: new Set(['250001']),
      quotas: new Map(),
      quotaCalls: [],
    },
    graph: {
      pageToken: options.pageToken ?? 'page-token-0',
      sends: [],
      uploads: [],
      profileCalls: [],
      profileDelayMs: 0,
      userErrors: new Map(),
    },
    files: new Map(),
    fileRequests: new Map(),
    close: async () => {},
  };

  /** Decides the fate of one send under the configured faults. */
  function fault(): 'ok' | 'error' | 'slow' {
    if (!faults) return 'ok';
    const roll = random();
    if (roll < faults.failureRate) return 'error';
    if (roll < faults.failureRate + faults.slowRate) return 'slow';
    return 'ok';
  }

  /**
   * A slow send is held past the gateway's send timeout and then dropped without being
   * recorded: "delivered exactly once" means exactly one recorded send per reply, and a send the
   * gateway gave up on must not also count as delivered (on the real platform it might have
   * been, which is why the gateway cannot promise more than at-least-once there).
   */
  const dropLater = (response: ServerResponse): true => {
    setTimeout(() => response.destroy(), faults?.slowMs ?? 0);
    return true;
  };

  async function zalo(request: IncomingMessage, response: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    const token = request.headers.access_token as string | undefined;
    const authorized = token !== undefined && state.zalo.validAccessTokens.has(token);
    const invalidToken = { error: -216, message: 'Access token is invalid' };

    if (request.method === 'POST' && url.pathname === '/v4/oa/access_token') {
      const form = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      state.zalo.refreshCalls.push({ secretKey: request.headers.secret_key as string | undefined, form });
      if (state.zalo.refreshDelayMs) await sleep(state.zalo.refreshDelayMs);
      const accepted =
        request.headers.secret_key === state.zalo.appSecret &&
        form.app_id === zaloIds.appId &&
        form.grant_type === 'refresh_token' &&
        state.zalo.validRefreshTokens.delete(form.refresh_token ?? '');
      if (!accepted) {
        send(response, 200, { error_name: 'Invalid parameter', error_reason: 'Refresh token is invalid or expired', ref_doc: '', error_description: 'Invalid refresh token', error: -14014 });
        return true;
      }
      const n = state.zalo.issued.length + 1;
      const pair = { accessToken: `zalo-access-${n}`, refreshToken: `zalo-refresh-${n}` };
      state.zalo.issued.push(pair);
      state.zalo.validAccessTokens.add(pair.accessToken);
      state.zalo.validRefreshTokens.add(pair.refreshToken);
      send(response, 200, { access_token: pair.accessToken, refresh_token: pair.refreshToken, expires_in: state.zalo.expiresIn });
      return true;
    }
    if (request.method === 'GET' && url.pathname === '/v2.0/oa/getoa') {
      send(response, 200, authorized ? { error: 0, message: 'Success', data: { oa_id: zaloIds.oaId, name: 'Tổng đài 1022 Đồng Tháp', is_verified: true } } : invalidToken);
      return true;
    }
    if (request.method === 'GET' && url.pathname === '/v3.0/oa/user/detail') {
      const userId = (JSON.parse(url.searchParams.get('data') ?? '{}') as { user_id?: string }).user_id ?? '';
      state.zalo.profileCalls.push(userId);
      if (state.zalo.profileDelayMs) await sleep(state.zalo.profileDelayMs);
      if (!authorized) return send(response, 200, invalidToken);
      send(response, 200, {
        error: 0,
        message: 'Success',
        data: {
          user_id: userId,
          user_id_by_app: '552177279717587730',
          display_name: `Công dân ${userId.slice(-4)}`,
          avatar: `https://s120-ava-talk.zadn.vn/${userId}.jpg`,
          avatars: { '120': `https://s120-ava-talk.zadn.vn/${userId}.jpg`, '240': `https://s240-ava-talk.zadn.vn/${userId}.jpg` },
          user_is_follower: true,
          shared_info: { name: `Công dân ${userId.slice(-4)}`, phone: '84912345678' },
        },
      });
      return true;
    }
    if (request.method === 'POST' && (url.pathname === '/v2.0/oa/upload/image' || url.pathname === '/v2.0/oa/upload/file')) {
      if (!authorized) return send(response, 200, invalidToken);
      const form = await new Request('http://standin/upload', { method: 'POST', headers: { 'content-type': String(request.headers['content-type']) }, body: new Uint8Array(body) }).formData();
      const file = form.get('file');
      if (!(file instanceof Blob)) return send(response, 200, { error: -201, message: 'file is missing' });
      const kind = url.pathname.endsWith('image') ? 'image' : 'file';
      const bytes = Buffer.from(await file.arrayBuffer());
      state.zalo.uploads.push({ kind, name: (file as File).name, size: file.size, type: file.type, sha256: createHash('sha256').update(bytes).digest('hex') });
      attachments++;
      send(response, 200, { error: 0, message: 'Success', data: kind === 'image' ? { attachment_id: `zatt-${attachments}` } : { token: `zfile-${attachments}` } });
      return true;
    }
    if (request.method === 'POST' && url.pathname === '/message/template') {
      if (!authorized) return send(response, 200, { error: -124, message: 'Access token is invalid' });
      const parsed = JSON.parse(body.toString('utf8')) as { phone?: string; template_id?: string; template_data?: Record<string, string>; tracking_id?: string };
      const phone = parsed.phone ?? '';
      if (!/^84\d{9,10}$/.test(phone)) return send(response, 200, { error: -108, message: 'Phone number invalid' });
      if (!state.zalo.znsApprovedTemplates.has(String(parsed.template_id))) return send(response, 200, { error: -109, message: 'Template ID invalid' });
      const forced = takeForced(state.zalo.znsPhoneErrors, phone);
      if (forced) return send(response, 200, { error: forced.error, message: forced.message });
      zaloMessages++;
      const msgId = `zns-${zaloMessages}`;
      state.zalo.znsSends.push({ phone, templateId: String(parsed.template_id), templateData: parsed.template_data ?? {}, trackingId: parsed.tracking_id ?? '', msgId });
      send(response, 200, { error: 0, message: 'Success', data: { msg_id: msgId, sent_time: String(Date.now()), quota: { dailyQuota: '500', remainingQuota: '499' } } });
      return true;
    }
    if (request.method === 'POST' && url.pathname === '/v3.0/oa/quota/message') {
      if (!authorized) return send(response, 200, invalidToken);
      const userId = (JSON.parse(body.toString('utf8') || '{}') as { user_id?: string }).user_id ?? '';
      state.zalo.quotaCalls.push(userId);
      const quota = state.zalo.quotas.get(userId);
      if (!quota) return send(response, 404, '<html><body>404 Not Found</body></html>');
      if ('error' in quota) return send(response, 200, { error: quota.error, message: quota.message });
      return send(response, 200, { error: 0, message: 'Success', data: [quota] });
    }
    if (request.method === 'POST' && url.pathname === '/v3.0/oa/message/cs') {
      if (!authorized) return send(response, 200, invalidToken);
      const parsed = JSON.parse(body.toString('utf8')) as { recipient?: { user_id?: string }; message?: Record<string, unknown> };
      const userId = parsed.recipient?.user_id ?? '';
      const forced = takeForced(state.zalo.userErrors, userId);
      if (forced) return send(response, 200, { error: forced.error, message: forced.message });
      const fate = fault();
      if (fate === 'slow') return dropLater(response);
      if (fate === 'error') {
        const pick = random();
        if (pick < 0.4) send(response, 200, { error: -32, message: 'Exceeded the limit of request per minute' });
        else if (pick < 0.7) send(response, 502, '<html><body>502 Bad Gateway</body></html>');
        else send(response, 200, { error: -100, message: 'Internal error, please try again' });
        return true;
      }
      zaloMessages++;
      const sent: ZaloSend = { userId, message: parsed.message ?? {}, messageId: `zmid-${zaloMessages}`, accessToken: token! };
      state.zalo.sends.push(sent);
      await state.zalo.beforeAnswer?.(sent);
      send(response, 200, { error: 0, message: 'Success', data: { message_id: sent.messageId, user_id: userId } });
      return true;
    }
    return false;
  }

  async function graph(request: IncomingMessage, response: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    const match = /^\/(v\d+\.\d+)\/(.+)$/.exec(url.pathname);
    if (!match) return false;
    const path = match[2]!;
    if (url.searchParams.get('access_token') !== state.graph.pageToken) {
      send(response, 400, { error: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190, fbtrace_id: 'AbCdEf' } });
      return true;
    }
    if (request.method === 'GET' && path === 'me') return send(response, 200, { id: graphIds.pageId, name: 'Tổng đài 1022 Đồng Tháp' });
    if (request.method === 'GET' && path === 'app') return send(response, 200, { id: graphIds.appId, name: 'Gateway 1022' });
    if (request.method === 'POST' && path === `${graphIds.pageId}/message_attachments`) {
      const form = await new Request('http://standin/upload', { method: 'POST', headers: { 'content-type': String(request.headers['content-type']) }, body: new Uint8Array(body) }).formData();
      const file = form.get('filedata');
      const message = JSON.parse(String(form.get('message') ?? '{}')) as Record<string, unknown>;
      if (!(file instanceof Blob)) return send(response, 400, { error: { message: '(#100) No filedata', type: 'OAuthException', code: 100 } });
      const bytes = Buffer.from(await file.arrayBuffer());
      attachments++;
      const attachmentId = `fbatt-${attachments}`;
      state.graph.uploads.push({ attachmentId, message, name: (file as File).name, size: file.size, type: file.type, sha256: createHash('sha256').update(bytes).digest('hex') });
      return send(response, 200, { attachment_id: attachmentId });
    }
    if (request.method === 'POST' && path === `${graphIds.pageId}/messages`) {
      const parsed = JSON.parse(body.toString('utf8')) as { recipient?: { id?: string } };
      const psid = parsed.recipient?.id ?? '';
      const forced = takeForced(state.graph.userErrors, psid);
      if (forced) return send(response, forced.status, { error: forced.error });
      const fate = fault();
      if (fate === 'slow') return dropLater(response);
      if (fate === 'error') {
        const pick = random();
        if (pick < 0.4) send(response, 400, { error: { message: '(#613) Calls to this api have exceeded the rate limit.', type: 'OAuthException', code: 613, fbtrace_id: 'x' } });
        else if (pick < 0.7) send(response, 503, { error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true, fbtrace_id: 'y' } });
        else send(response, 500, '<html><body>Sorry, something went wrong.</body></html>');
        return true;
      }
      graphMessages++;
      const sent: GraphSend = { psid, body: parsed as Record<string, unknown>, messageId: `m_standin-${graphMessages}` };
      state.graph.sends.push(sent);
      await state.graph.beforeAnswer?.(sent);
      send(response, 200, { recipient_id: psid, message_id: sent.messageId });
      return true;
    }
    if (request.method === 'GET' && /^\d+$/.test(path)) {
      state.graph.profileCalls.push(path);
      if (state.graph.profileDelayMs) await sleep(state.graph.profileDelayMs);
      send(response, 200, { first_name: 'Lan', last_name: `Nguyễn ${path.slice(-4)}`, profile_pic: `https://platform-lookaside.fbsbx.com/${path}.jpg`, id: path });
      return true;
    }
    return false;
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://standin');
    state.requests.push({ method: request.method ?? 'GET', path: url.pathname, at: Date.now() });
    void (async () => {
      const body = await readBody(request);
      if (request.method === 'GET' && url.pathname.startsWith('/files/')) {
        const name = decodeURIComponent(url.pathname.slice('/files/'.length));
        state.fileRequests.set(name, (state.fileRequests.get(name) ?? 0) + 1);
        const file = state.files.get(name);
        if (!file) return void send(response, 404, { error: 'not found' });
        if (file.failFirst) {
          file.failFirst -= 1;
          return void send(response, 503, '<html><body>503 Service Unavailable</body></html>');
        }
        if (file.once) state.files.delete(name);
        response.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length });
        if (file.stallFirst) {
          file.stallFirst -= 1;
          response.once('close', () => (file.stallsDropped = (file.stallsDropped ?? 0) + 1));
          return void response.write(file.body.subarray(0, file.body.length >> 1));
        }
        return void response.end(file.body);
      }
      if (await zalo(request, response, url, body)) return;
      if (await graph(request, response, url, body)) return;
      send(response, 404, { error: `no stand-in for ${request.method} ${url.pathname}` });
    })().catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** `mac=<hex sha256(app_id + raw body + timestamp + OA secret key)>`, computed as Zalo does. */
export function zaloSignatureHeader(appId: string, rawBody: string, oaSecretKey: string): string {
  const { timestamp } = JSON.parse(rawBody) as { timestamp: string };
  return `mac=${createHash('sha256').update(`${appId}${rawBody}${timestamp}${oaSecretKey}`).digest('hex')}`;
}

/** `sha256=<hex HMAC-SHA256(app secret, raw body)>`, computed as Facebook does. */
export function facebookSignatureHeader(appSecret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export const zaloOaSecretKey = 'zalo-oa-secret-key';
export const fbAppSecret = 'fb-app-secret';
export const fbVerifyToken = 'fb-verify-token';

/** Environment of a gateway whose default Zalo OA inbox talks to the stand-in. */
export function zaloEnv(standin: PlatformStandin): Record<string, string> {
  return {
    ZALO_OA_APP_ID: zaloIds.appId,
    ZALO_OA_SECRET_KEY: zaloOaSecretKey,
    ZALO_APP_SECRET: standin.zalo.appSecret,
    ZALO_OA_ACCESS_TOKEN: 'zalo-access-0',
    ZALO_OA_REFRESH_TOKEN: 'zalo-refresh-0',
    ZALO_API_BASE_URL: standin.url,
    ZALO_OAUTH_BASE_URL: standin.url,
    // The fixtures carry the platform times of their recording, and tests replay citizens'
    // messages of hours ago; the replay refusal has its own test with the check on.
    ZALO_WEBHOOK_MAX_AGE_SECONDS: '0',
  };
}

/** Environment of a gateway whose default Messenger inbox talks to the stand-in. */
export function messengerEnv(standin: PlatformStandin): Record<string, string> {
  return {
    FB_PAGE_ID: graphIds.pageId,
    FB_APP_SECRET: fbAppSecret,
    FB_VERIFY_TOKEN: fbVerifyToken,
    FB_PAGE_ACCESS_TOKEN: standin.graph.pageToken,
    FB_GRAPH_BASE_URL: standin.url,
    FB_GRAPH_VERSION: 'v23.0',
  };
}

/** Posts a Zalo event over HTTP, signed like Zalo unless `signature` says otherwise. */
export async function postZaloEvent(
  gateway: TestApp,
  event: unknown,
  options: { path?: string; appId?: string; secret?: string; signature?: string | null; rawBody?: string } = {},
): Promise<Response> {
  const raw = options.rawBody ?? JSON.stringify(event);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature === undefined ? zaloSignatureHeader(options.appId ?? zaloIds.appId, raw, options.secret ?? zaloOaSecretKey) : options.signature;
  if (signature !== null) headers['x-zevent-signature'] = signature;
  return fetch(`${gateway.url}${options.path ?? '/webhooks/zalo-oa'}`, { method: 'POST', headers, body: raw });
}

/** Posts a Messenger webhook batch over HTTP, signed like Facebook unless told otherwise. */
export async function postMessengerBatch(
  gateway: TestApp,
  body: unknown,
  options: { path?: string; secret?: string; signature?: string | null; rawBody?: string } = {},
): Promise<Response> {
  const raw = options.rawBody ?? JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature === undefined ? facebookSignatureHeader(options.secret ?? fbAppSecret, raw) : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return fetch(`${gateway.url}${options.path ?? '/webhooks/facebook'}`, { method: 'POST', headers, body: raw });
}

/** A fixture from test/fixtures/<channel>/<name>.json, parsed afresh (tests may change it). */
export function fixture<T = Record<string, unknown>>(channel: 'zalo-oa' | 'messenger', name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${channel}/${name}.json`, import.meta.url), 'utf8')) as T;
}

/**
 * Writes config/default.yaml with the outbox settings merged and, when given, the inboxes
 * replaced; returns its path (for CONFIG_FILE). The rest (teams, hours, router) stays the
 * deployment's own, so the channels are tested in the gateway as it ships.
 */
export function writeConfigFile(overrides: { outbox?: Record<string, number>; inboxes?: Array<Record<string, unknown>> } = {}): string {
  const base = parse(readFileSync(new URL('../../config/default.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
  const config = {
    ...base,
    outbox: { ...(base.outbox as Record<string, unknown>), ...overrides.outbox },
    ...(overrides.inboxes ? { inboxes: overrides.inboxes } : {}),
  };
  const path = join(mkdtempSync(join(tmpdir(), 'gw1022-config-')), 'gateway.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

/**
 * Waits until the router has answered every stored message and the outbox holds nothing queued
 * or sending: the bot answers a citizen's first message through the channel, and tests that
 * count what reached the platform start from a quiet gateway.
 */
export async function quiet(gateway: TestApp, timeoutMs = 10_000): Promise<void> {
  const { inbound, outbox, store } = gateway.app.gateway;
  const { t } = store;
  await waitFor(
    async () => {
      await inbound.idle();
      await outbox.drain();
      const busy = await store.db
        .select({ id: t.outbox.id })
        .from(t.outbox)
        .where(inArray(t.outbox.status, ['pending', 'sending']))
        .limit(1);
      return busy.length === 0;
    },
    'the router and the outbox to be idle',
    timeoutMs,
  );
}

/** An agent takes the conversation: the bot stays silent on the citizen's next messages. */
export async function takeOver(gateway: TestApp, conversationId: number): Promise<void> {
  const response = await gateway.app.inject({ method: 'PATCH', url: `/api/v1/conversations/${conversationId}`, headers: gateway.auth, payload: { handler: 'human' } });
  if (response.statusCode !== 200) throw new Error(`PATCH /conversations/${conversationId}: ${response.statusCode} ${response.body}`);
}

/** Polls until `check` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface ApiConversation {
  id: number;
  inboxId: number;
  channel: string;
  contactId: number;
  contactName: string | null;
  lastInboundAt: string | null;
}

export interface ApiMessage {
  id: number;
  direction: 'in' | 'out' | 'note' | 'activity';
  senderType: string;
  text: string | null;
  attachments: Array<Record<string, unknown>> | null;
  status: string;
  error: string | null;
  externalId: string | null;
  metadata: Record<string, unknown> | null;
  sentAt: string | null;
}

/** The conversation of a citizen known by their platform id (the REST API does not show ids). */
export async function conversationOf(gateway: TestApp, externalUserId: string): Promise<number | undefined> {
  const { store } = gateway.app.gateway;
  const { t } = store;
  const [row] = await store.db
    .select({ id: t.conversations.id })
    .from(t.contactIdentities)
    .innerJoin(t.conversations, and(eq(t.conversations.contactId, t.contactIdentities.contactId), eq(t.conversations.inboxId, t.contactIdentities.inboxId)))
    .where(eq(t.contactIdentities.externalUserId, externalUserId))
    .orderBy(desc(t.conversations.id))
    .limit(1);
  return row?.id;
}

/**
 * The messages with their attachments as the channel normalized them (what ingest stored), for
 * tests of a webhook's mapping: the REST API shows files by their kept state instead.
 */
export async function withNormalizedAttachments(gateway: TestApp, messages: ApiMessage[]): Promise<ApiMessage[]> {
  const { store } = gateway.app.gateway;
  const { t } = store;
  if (!messages.length) return messages;
  const rows = await store.db.select({ id: t.messages.id, attachments: t.messages.attachments }).from(t.messages).where(inArray(t.messages.id, messages.map((m) => m.id)));
  const byId = new Map(rows.map((row) => [row.id, row.attachments as ApiMessage['attachments']]));
  return messages.map((m) => ({ ...m, attachments: byId.get(m.id) ?? null }));
}

/** The REST API as an agent's client uses it. */
export function gatewayApi(gateway: TestApp) {
  const { app, auth } = gateway;
  return {
    async conversations(channel?: string): Promise<ApiConversation[]> {
      const response = await app.inject({ method: 'GET', url: `/api/v1/conversations?limit=200${channel ? `&channel=${channel}` : ''}`, headers: auth });
      if (response.statusCode !== 200) throw new Error(`GET /conversations: ${response.statusCode} ${response.body}`);
      return (response.json() as { items: ApiConversation[] }).items;
    },
    async messages(conversationId: number): Promise<ApiMessage[]> {
      const response = await app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}/messages?limit=500`, headers: auth });
      if (response.statusCode !== 200) throw new Error(`GET /messages: ${response.statusCode} ${response.body}`);
      return (response.json() as { items: ApiMessage[] }).items;
    },
    async reply(conversationId: number, text: string) {
      const response = await app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: auth, payload: { text } });
      return { statusCode: response.statusCode, body: response.json() as Record<string, unknown> };
    },
    async window(conversationId: number) {
      const response = await app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}/window`, headers: auth });
      return response.json() as { open: boolean; reason?: string; closesAt?: string; remainingReplies?: number };
    },
    /** All messages of every conversation of a channel, flattened. */
    async allMessages(channel: string): Promise<ApiMessage[]> {
      const out: ApiMessage[] = [];
      for (const conversation of await this.conversations(channel)) out.push(...(await this.messages(conversation.id)));
      return out;
    },
  };
}
