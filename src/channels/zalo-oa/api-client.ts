import { ChannelError, type ChannelErrorKind } from '../../core/errors.ts';
import { withDeadline } from '../../core/deadline.ts';
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import { describeCause } from '../shared/describe-cause.ts';
import { fetchCapped } from '../shared/fetch-capped.ts';
import { platformRequest, type PlatformAnswer, type PlatformRequestInit } from '../shared/platform-request.ts';
import type {
  ZaloApiResponse,
  ZaloOaInfo,
  ZaloQuota,
  ZaloSendBody,
  ZaloSendData,
  ZaloTokenResponse,
  ZaloUploadFileData,
  ZaloUploadImageData,
  ZaloUserDetail,
} from './types.ts';

const channel = 'zalo-oa';

/** Codes meaning the access token is invalid or expired: one refresh, then one more try. */
export const zaloTokenInvalidCodes: ReadonlySet<number> = new Set([-216, -124]);
/** No recent interaction, not a follower, outside the allowed hours: the window is closed. */
const windowCodes: ReadonlySet<number> = new Set([-213, -230, -232, -234]);
/** The citizen blocked or restricted messages from the OA. */
const restrictedCodes: ReadonlySet<number> = new Set([-217, -227, -244]);
/** Rate limit (-32) and Zalo's own transient failure (-100): worth another try later. */
const retryableCodes: ReadonlySet<number> = new Set([-32, -100]);

/** What went wrong talking to Zalo, before it is mapped to a ChannelError. */
export type ZaloFailure =
  | { kind: 'api'; code: number; message?: string }
  | { kind: 'http'; status: number }
  | { kind: 'network'; cause: unknown }
  | { kind: 'refresh'; detail: string }
  | { kind: 'attachment'; detail: string; retryable: boolean }
  | { kind: 'unsupported'; detail: string };

/**
 * The one place Zalo failures become ChannelErrors: whether the outbox retries, and the reason
 * the agent reads on a failed message (the vendor's code and text are kept in it).
 */
export function zaloError(failure: ZaloFailure, locale: Locale): ChannelError {
  const make = (kind: ChannelErrorKind, key: MessageKey, detail: string, retryable: boolean, code?: string | number) =>
    new ChannelError(channel, kind, t(locale, key, { detail }), retryable, code);
  switch (failure.kind) {
    case 'api': {
      const { code } = failure;
      const detail = `Zalo ${code}${failure.message ? `: ${failure.message}` : ''}`;
      if (code === -32) return make('rate_limited', 'zalo.error.rateLimited', detail, true, code);
      if (retryableCodes.has(code)) return make('network', 'zalo.error.unavailable', detail, true, code);
      if (zaloTokenInvalidCodes.has(code)) return make('auth_failed', 'zalo.error.tokenInvalid', detail, false, code);
      if (windowCodes.has(code)) return make('window_closed', 'zalo.error.windowClosed', detail, false, code);
      if (restrictedCodes.has(code)) return make('rejected', 'zalo.error.restricted', detail, false, code);
      return make('rejected', 'zalo.error.rejected', detail, false, code);
    }
    case 'http': {
      const detail = `HTTP ${failure.status}`;
      if (failure.status === 429) return make('rate_limited', 'zalo.error.rateLimited', detail, true, failure.status);
      if (failure.status >= 500) return make('network', 'zalo.error.unavailable', detail, true, failure.status);
      if (failure.status === 401 || failure.status === 403) return make('auth_failed', 'zalo.error.tokenInvalid', detail, false, failure.status);
      return make('rejected', 'zalo.error.rejected', detail, false, failure.status);
    }
    case 'network':
      return make('network', 'zalo.error.unavailable', describeCause(failure.cause), true);
    case 'refresh':
      return make('auth_failed', 'zalo.error.refreshFailed', failure.detail, false);
    case 'attachment':
      return make(failure.retryable ? 'network' : 'invalid', 'zalo.error.attachment', failure.detail, failure.retryable);
    case 'unsupported':
      return make('unsupported', 'zalo.error.unsupported', failure.detail, false);
  }
}


export interface ZaloApiClientOptions {
  apiBaseUrl: string;
  oauthBaseUrl: string;
  appId: string;
  appSecret: string;
  locale: Locale;
  /** Upper bound of every call; sends are also bounded by the outbox's signal. */
  requestTimeoutMs: number;
}

/** A refreshed token pair. */
export interface ZaloTokenPair {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
}

/** Largest attachment downloaded for upload (Zalo: images 1 MB, files 5 MB). */
const maxUploadBytes = { image: 1024 * 1024, file: 5 * 1024 * 1024 } as const;

/** A small typed client for the parts of Zalo OA Open API v3 and OAuth v4 the gateway uses. */
export function createZaloApiClient(options: ZaloApiClientOptions) {
  const { locale } = options;
  const api = (path: string) => new URL(path, options.apiBaseUrl.endsWith('/') ? options.apiBaseUrl : `${options.apiBaseUrl}/`);
  const fail = (failure: ZaloFailure) => zaloError(failure, locale);

  /** One JSON call to Zalo, a network failure mapped; the caller reads the answer. */
  async function send(url: URL, init: PlatformRequestInit): Promise<PlatformAnswer> {
    try {
      return await platformRequest(url, init);
    } catch (cause) {
      throw fail({ kind: 'network', cause });
    }
  }

  type CallInit = Omit<PlatformRequestInit, 'signal'> & { query?: Record<string, string> };

  /** Calls an Open API endpoint and returns `data`, or throws the mapped ChannelError. */
  function call<Data>(path: string, accessToken: string, init: CallInit, signal?: AbortSignal): Promise<Data> {
    return withDeadline(options.requestTimeoutMs, signal, (deadline) => callWithin<Data>(path, accessToken, init, deadline));
  }

  async function callWithin<Data>(path: string, accessToken: string, { query, ...init }: CallInit, signal: AbortSignal): Promise<Data> {
    const url = api(path);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    const response = await send(url, { ...init, headers: { ...init.headers, access_token: accessToken }, signal });
    let body: ZaloApiResponse<Data> | undefined;
    try {
      body = (await response.json()) as ZaloApiResponse<Data>;
    } catch (cause) {
      if (!response.ok) throw fail({ kind: 'http', status: response.status });
      throw fail({ kind: 'network', cause });
    }
    if (typeof body?.error === 'number' && body.error !== 0) throw fail({ kind: 'api', code: body.error, ...(body.message ? { message: body.message } : {}) });
    if (!response.ok) throw fail({ kind: 'http', status: response.status });
    if (body?.error !== 0 || body.data === undefined) throw fail({ kind: 'network', cause: new Error('unexpected answer from Zalo') });
    return body.data;
  }

  const json = (body: unknown): CallInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  async function upload<Data>(path: string, accessToken: string, file: Blob, name: string, signal?: AbortSignal): Promise<Data> {
    const form = new FormData();
    form.set('file', file, name);
    return call<Data>(path, accessToken, { method: 'POST', body: form }, signal);
  }

  async function refreshWithin(refreshToken: string, signal: AbortSignal): Promise<ZaloTokenPair> {
    const url = new URL('v4/oa/access_token', options.oauthBaseUrl.endsWith('/') ? options.oauthBaseUrl : `${options.oauthBaseUrl}/`);
    const response = await send(url, {
      method: 'POST',
      headers: { secret_key: options.appSecret, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ app_id: options.appId, grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
      signal,
    });
    let body: ZaloTokenResponse | undefined;
    try {
      body = (await response.json()) as ZaloTokenResponse;
    } catch (cause) {
      if (response.status >= 500 || response.status === 429) throw fail({ kind: 'http', status: response.status });
      if (!response.ok) throw fail({ kind: 'refresh', detail: `HTTP ${response.status}` });
      throw fail({ kind: 'network', cause });
    }
    if (response.status >= 500 || response.status === 429) throw fail({ kind: 'http', status: response.status });
    const expiresIn = Number(body?.expires_in);
    if (!response.ok || !body?.access_token || !body.refresh_token || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      const reason = [body?.error, body?.error_name, body?.error_description ?? body?.error_reason].filter((part) => part !== undefined && part !== '').join(' ');
      throw fail({ kind: 'refresh', detail: `Zalo OAuth: ${reason || `HTTP ${response.status}`}` });
    }
    return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresInSeconds: expiresIn };
  }

  async function downloadWithin(url: string, kind: 'image' | 'file', signal: AbortSignal): Promise<{ file: Blob; name: string }> {
    const { data, contentType } = await fetchCapped(url, maxUploadBytes[kind], signal, (failure) => fail({ kind: 'attachment', ...failure }));
    // The upload sends a Blob, typed as the file was served.
    const file = new Blob([data], contentType ? { type: contentType } : {});
    const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || kind);
    return { file, name };
  }

  return {
    /** Sends one customer-service message; resolves with Zalo's message id. */
    async sendMessage(accessToken: string, body: ZaloSendBody, signal?: AbortSignal): Promise<ZaloSendData> {
      const data = await call<ZaloSendData>('v3.0/oa/message/cs', accessToken, json(body), signal);
      if (!data.message_id) throw fail({ kind: 'network', cause: new Error('Zalo answered without a message_id') });
      return data;
    },

    /** Uploads an image for a media template; resolves with its attachment id. */
    async uploadImage(accessToken: string, file: Blob, name: string, signal?: AbortSignal): Promise<string> {
      return (await upload<ZaloUploadImageData>('v2.0/oa/upload/image', accessToken, file, name, signal)).attachment_id;
    },

    /** Uploads a file (PDF, DOC, DOCX); resolves with the token a file message carries. */
    async uploadFile(accessToken: string, file: Blob, name: string, signal?: AbortSignal): Promise<string> {
      return (await upload<ZaloUploadFileData>('v2.0/oa/upload/file', accessToken, file, name, signal)).token;
    },

    /**
     * What Zalo says is left of the OA's free replies to one citizen (`POST v3.0/oa/quota/message`).
     * `data` is a list of quotas (or one); the first that says how many remain is the one shown.
     */
    async getQuota(accessToken: string, userId: string, signal?: AbortSignal): Promise<ZaloQuota> {
      const data = await call<ZaloQuota | ZaloQuota[]>('v3.0/oa/quota/message', accessToken, json({ user_id: userId }), signal);
      const quota = (Array.isArray(data) ? data : [data]).find((entry) => entry && entry.remain !== undefined && entry.remain !== null && entry.remain !== '');
      if (!quota) throw fail({ kind: 'network', cause: new Error('Zalo answered without a quota') });
      return quota;
    },

    /** The OA the token belongs to: proves the token works. */
    async getOa(accessToken: string, signal?: AbortSignal): Promise<ZaloOaInfo> {
      return call<ZaloOaInfo>('v2.0/oa/getoa', accessToken, { method: 'GET' }, signal);
    },

    /** A follower's profile (display name, avatar, info they shared with the OA). */
    async getUserDetail(accessToken: string, userId: string, signal?: AbortSignal): Promise<ZaloUserDetail> {
      return call<ZaloUserDetail>('v3.0/oa/user/detail', accessToken, { method: 'GET', query: { data: JSON.stringify({ user_id: userId }) } }, signal);
    },

    /**
     * Exchanges the single-use refresh token for a new pair. A refusal by Zalo throws an
     * `auth_failed` ChannelError (the OA must be reconnected); a network failure a `network` one.
     */
    refreshAccessToken(refreshToken: string, signal?: AbortSignal): Promise<ZaloTokenPair> {
      return withDeadline(options.requestTimeoutMs, signal, (deadline) => refreshWithin(refreshToken, deadline));
    },

    /**
     * Fetches an attachment the gateway holds by URL, to upload it to Zalo. Oversized files are
     * refused here rather than by Zalo after the transfer.
     */
    download(url: string, kind: 'image' | 'file', signal?: AbortSignal): Promise<{ file: Blob; name: string }> {
      return withDeadline(options.requestTimeoutMs, signal, (deadline) => downloadWithin(url, kind, deadline));
    },
  };
}

export type ZaloApiClient = ReturnType<typeof createZaloApiClient>;
