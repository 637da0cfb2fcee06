import { execFileSync } from 'node:child_process';
import { createSign, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A local stand-in for the Bot Framework side of a bot: the channels' OpenID metadata and signing
// keys (login.botframework.com), an Entra ID authority with its token endpoint
// (login.microsoftonline.com), and a connector (smba.trafficmanager.net and the like) that
// records what the bot sends. The authority is served over TLS with a certificate made for the
// test, because MSAL accepts only https authorities; the connector speaks plain HTTP like the
// Bot Framework Emulator's does.

/** The issuer of the channels' tokens in the public cloud. */
export const channelIssuer = 'https://api.botframework.com';
/** The audience the bot asks its own tokens for. */
export const connectorScope = 'https://api.botframework.com/.default';

export interface ConnectorRequest {
  method: string;
  path: string;
  conversationId: string;
  /** The activity replied to (the path's last segment), or null for sendToConversation. */
  replyToId: string | null;
  authorization: string | undefined;
  body: Record<string, unknown>;
  /** What the stand-in answered. */
  status: number;
}

export interface BotFrameworkStandin {
  appId: string;
  appPassword: string;
  /** Env for the gateway's default Bot Framework inbox, pointed at this stand-in. */
  env: Record<string, string>;
  /** The serviceUrl channels put in their activities (the connector's base, with a slash). */
  serviceUrl: string;
  /** A channel token for the bot, signed with the published key unless told otherwise. */
  channelToken(options?: { audience?: string; serviceUrl?: string; expiresInSeconds?: number; issuedSecondsAgo?: number; key?: KeyObject; kid?: string }): string;
  /** A key pair that is not published, for forged tokens. */
  strangerKey: KeyObject;
  /** Every request the connector received, in order. */
  connector: ConnectorRequest[];
  /** Client-credential grants the token endpoint answered. */
  tokenGrants: Array<{ clientId: string; scope: string; ok: boolean }>;
  /** The connector answers the next requests with these statuses, one each, then 200. */
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
}

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

/** RS256 over header.payload, as the Bot Framework's channels sign their tokens. */
function signJwt(payload: Record<string, unknown>, key: KeyObject, kid: string): string {
  const head = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid, x5t: kid }));
  const body = base64url(JSON.stringify(payload));
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key);
  return `${head}.${body}.${base64url(signature)}`;
}

/** A throwaway self-signed certificate for 127.0.0.1 (openssl, as the SDK's own certificate path uses). */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bf-standin-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function startBotFrameworkStandin(): Promise<BotFrameworkStandin> {
  const appId = randomUUID();
  const appPassword = `secret-${randomBytes(12).toString('hex')}`;
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `kid-${randomBytes(6).toString('hex')}`;
  const jwk = signing.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const tls = selfSignedCertificate();
  const issuedTokens = new Set<string>();
  const connector: ConnectorRequest[] = [];
  const tokenGrants: BotFrameworkStandin['tokenGrants'] = [];
  const failures: number[] = [];
  let replies = 0;

  const authority = https.createServer({ key: tls.key, cert: tls.cert }, async (request, response) => {
    const url = new URL(request.url ?? '/', `https://${request.headers.host}`);
    const base = `https://${request.headers.host}`;
    if (request.method === 'GET' && url.pathname === '/v1/.well-known/openidconfiguration') {
      return json(response, 200, {
        issuer: channelIssuer,
        authorization_endpoint: `${base}/v1/.well-known/none`,
        jwks_uri: `${base}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
    if (request.method === 'GET' && url.pathname === '/v1/.well-known/keys') {
      return json(response, 200, { keys: [{ kty: 'RSA', use: 'sig', kid, x5t: kid, n: jwk.n, e: jwk.e, endorsements: ['msteams', 'webchat', 'directline', 'emulator'] }] });
    }
    const tenant = /^\/([^/]+)\//.exec(url.pathname)?.[1] ?? 'botframework.com';
    if (request.method === 'GET' && url.pathname === `/${tenant}/v2.0/.well-known/openid-configuration`) {
      return json(response, 200, {
        issuer: `${base}/${tenant}/v2.0`,
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'token'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
      });
    }
    if (request.method === 'POST' && url.pathname === `/${tenant}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(await readBody(request));
      const clientId = form.get('client_id') ?? '';
      const scope = form.get('scope') ?? '';
      const ok = form.get('grant_type') === 'client_credentials' && clientId === appId && form.get('client_secret') === appPassword && scope.split(' ').includes(connectorScope);
      tokenGrants.push({ clientId, scope, ok });
      if (!ok) return json(response, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
      const accessToken = signJwt({ aud: 'https://api.botframework.com', iss: `${base}/${tenant}/`, appid: appId, exp: Math.floor(Date.now() / 1000) + 3600 }, signing.privateKey, kid);
      issuedTokens.add(accessToken);
      return json(response, 200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: accessToken });
    }
    json(response, 404, { error: 'not_found' });
  });

  const connectorServer = createHttpServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://connector');
    const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(url.pathname);
    const text = await readBody(request);
    if (request.method !== 'POST' || !match) return json(response, 404, { error: { code: 'NotFound', message: url.pathname } });
    const authorization = request.headers.authorization;
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
    let status = issuedTokens.has(bearer) ? (failures.shift() ?? 200) : 401;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      status = 400;
    }
    connector.push({
      method: request.method,
      path: url.pathname,
      conversationId: decodeURIComponent(match[1]!),
      replyToId: match[2] ? decodeURIComponent(match[2]) : null,
      authorization,
      body,
      status,
    });
    if (status === 200) return json(response, 200, { id: `reply-${++replies}` });
    const codes: Record<number, string> = { 401: 'Unauthorized', 403: 'BotDisabledByAdmin', 429: 'Throttled', 502: 'ServiceError', 503: 'ServiceUnavailable' };
    return json(response, status, { error: { code: codes[status] ?? 'BadArgument', message: `stand-in answered ${status}` } });
  });

  const authorityPort = await listen(authority);
  const connectorPort = await listen(connectorServer);
  const authorityBase = `https://127.0.0.1:${authorityPort}`;
  const serviceUrl = `http://127.0.0.1:${connectorPort}/`;

  // MSAL and the SDK's key download use Node's global HTTPS agent: it trusts the test's certificate
  // for as long as the stand-in runs.
  const previousCa = https.globalAgent.options.ca;
  https.globalAgent.options.ca = [tls.cert];

  return {
    appId,
    appPassword,
    serviceUrl,
    env: {
      BOTFRAMEWORK_APP_ID: appId,
      BOTFRAMEWORK_APP_PASSWORD: appPassword,
      BOTFRAMEWORK_OPENID_METADATA_URL: `${authorityBase}/v1/.well-known/openidconfiguration`,
      BOTFRAMEWORK_LOGIN_URL: `${authorityBase}/botframework.com`,
    },
    strangerKey: stranger.privateKey,
    channelToken(options = {}) {
      const now = Math.floor(Date.now() / 1000) - (options.issuedSecondsAgo ?? 0);
      return signJwt(
        {
          iss: channelIssuer,
          aud: options.audience ?? appId,
          serviceurl: options.serviceUrl ?? serviceUrl,
          nbf: now,
          iat: now,
          exp: now + (options.expiresInSeconds ?? 3600),
        },
        options.key ?? signing.privateKey,
        options.kid ?? kid,
      );
    },
    connector,
    tokenGrants,
    failNext(...statuses) {
      failures.push(...statuses);
    },
    async close() {
      https.globalAgent.options.ca = previousCa;
      authority.closeAllConnections();
      connectorServer.closeAllConnections();
      await Promise.all([new Promise((resolve) => authority.close(resolve)), new Promise((resolve) => connectorServer.close(resolve))]);
    },
  };
}
