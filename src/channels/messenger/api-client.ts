import { ChannelError, type ChannelErrorKind } from '../../core/errors.ts';
import { withDeadline } from '../../core/deadline.ts';
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import type { GraphErrorBody, GraphNode, MessengerProfile, MessengerSendBody, MessengerSendResponse } from './types.ts';
import { describeCause } from '../shared/describe-cause.ts';
import { platformRequest, type PlatformAnswer, type PlatformRequestInit } from '../shared/platform-request.ts';

const channel = 'messenger';

/** Application, user, page and "too many calls" rate limits. */
const rateLimitCodes: ReadonlySet<number> = new Set([4, 17, 32, 613]);
/** Graph's "unknown" and "service temporarily unavailable". */
const transientCodes: ReadonlySet<number> = new Set([1, 2]);
/** Sent outside the allowed window (code 10 / 2018278; 2018108 on some versions). */
const windowSubcodes: ReadonlySet<number> = new Set([2018278, 2018108]);
/** The person cannot be reached: unavailable, no longer in the page's audience. */
const unavailableSubcodes: ReadonlySet<number> = new Set([1545041, 2018001]);

/** What went wrong talking to Graph, before it is mapped to a ChannelError. */
export type MessengerFailure =
  | { kind: 'graph'; status: number; code?: number; subcode?: number; message?: string; transient?: boolean }
  | { kind: 'network'; cause: unknown }
  | { kind: 'unsupported'; detail: string };

/**
 * The one place Graph API failures become ChannelErrors: whether the outbox retries, and the
 * reason the agent reads on a failed message (Facebook's code, subcode and text are kept in it).
 */
export function messengerError(failure: MessengerFailure, locale: Locale): ChannelError {
  const make = (kind: ChannelErrorKind, key: MessageKey, detail: string, retryable: boolean, code?: string | number) =>
    new ChannelError(channel, kind, t(locale, key, { detail }), retryable, code);
  if (failure.kind === 'network') return make('network', 'messenger.error.unavailable', describeCause(failure.cause), true);
  if (failure.kind === 'unsupported') return make('unsupported', 'messenger.error.unsupported', failure.detail, false);

  const { status, code, subcode } = failure;
  const vendorCode = code ?? status;
  const detail = [
    code !== undefined ? `Facebook ${code}${subcode !== undefined ? `/${subcode}` : ''}` : `HTTP ${status}`,
    failure.message,
  ]
    .filter(Boolean)
    .join(': ');
  if (status === 429 || (code !== undefined && rateLimitCodes.has(code))) return make('rate_limited', 'messenger.error.rateLimited', detail, true, vendorCode);
  if (code === 190 || code === 102) return make('auth_failed', 'messenger.error.tokenInvalid', detail, false, vendorCode);
  if (subcode !== undefined && windowSubcodes.has(subcode)) return make('window_closed', 'messenger.error.windowClosed', detail, false, vendorCode);
  if (code === 551 || (subcode !== undefined && unavailableSubcodes.has(subcode))) return make('rejected', 'messenger.error.userUnavailable', detail, false, vendorCode);
  if ((code !== undefined && transientCodes.has(code)) || failure.transient || status >= 500) return make('network', 'messenger.error.unavailable', detail, true, vendorCode);
  return make('rejected', 'messenger.error.rejected', detail, false, vendorCode);
}


export interface GraphClientOptions {
  graphBaseUrl: string;
  graphVersion: string;
  pageId: string;
  pageAccessToken: string;
  locale: Locale;
  /** Upper bound of every call; sends are also bounded by the outbox's signal. */
  requestTimeoutMs: number;
}

/** A small typed client for the Send API and the few Graph reads the channel needs. */
export function createGraphClient(options: GraphClientOptions) {
  const { locale } = options;
  const fail = (failure: MessengerFailure) => messengerError(failure, locale);

  type CallInit = Omit<PlatformRequestInit, 'signal'> & { query?: Record<string, string> };

  function call<T>(path: string, init: CallInit, signal?: AbortSignal): Promise<T> {
    return withDeadline(options.requestTimeoutMs, signal, (deadline) => callWithin<T>(path, init, deadline));
  }

  async function callWithin<T>(path: string, { query, ...init }: CallInit, signal: AbortSignal): Promise<T> {
    const base = options.graphBaseUrl.endsWith('/') ? options.graphBaseUrl : `${options.graphBaseUrl}/`;
    const url = new URL(`${options.graphVersion}/${path}`, base);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    url.searchParams.set('access_token', options.pageAccessToken);
    let response: PlatformAnswer;
    try {
      response = await platformRequest(url, { ...init, signal });
    } catch (cause) {
      // The URL carries the token: only the cause is kept, never the request.
      throw fail({ kind: 'network', cause });
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      if (!response.ok) throw fail({ kind: 'graph', status: response.status });
      throw fail({ kind: 'network', cause });
    }
    const error = (body as Partial<GraphErrorBody> | null)?.error;
    if (!response.ok || error) {
      throw fail({
        kind: 'graph',
        status: response.status,
        ...(typeof error?.code === 'number' ? { code: error.code } : {}),
        ...(typeof error?.error_subcode === 'number' ? { subcode: error.error_subcode } : {}),
        ...(error?.message ? { message: error.message } : {}),
        ...(error?.is_transient ? { transient: true } : {}),
      });
    }
    return body as T;
  }

  return {
    /** Sends one message from the page; resolves with Facebook's message id. */
    async sendMessage(body: MessengerSendBody, signal?: AbortSignal): Promise<MessengerSendResponse> {
      const sent = await call<MessengerSendResponse>(
        `${options.pageId}/messages`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
        signal,
      );
      if (!sent?.message_id) throw fail({ kind: 'network', cause: new Error('Facebook answered without a message_id') });
      return sent;
    },

    /**
     * Uploads a file to the page's attachment store (Attachment Upload API, multipart: `message`
     * naming the type, `filedata` the bytes); resolves with the id a message then carries.
     */
    async uploadAttachment(type: 'image' | 'file' | 'audio' | 'video', file: Blob, name: string, signal?: AbortSignal): Promise<string> {
      const form = new FormData();
      form.set('message', JSON.stringify({ attachment: { type, payload: { is_reusable: true } } }));
      form.set('filedata', file, name);
      const uploaded = await call<{ attachment_id?: string }>(`${options.pageId}/message_attachments`, { method: 'POST', body: form }, signal);
      if (!uploaded?.attachment_id) throw fail({ kind: 'network', cause: new Error('Facebook answered without an attachment_id') });
      return uploaded.attachment_id;
    },

    /** A person's public profile as the page sees it. */
    async getProfile(psid: string, signal?: AbortSignal): Promise<MessengerProfile> {
      return call<MessengerProfile>(encodeURIComponent(psid), { method: 'GET', query: { fields: 'first_name,last_name,profile_pic' } }, signal);
    },

    /** The page the token belongs to: proves the token works. */
    async getMe(signal?: AbortSignal): Promise<GraphNode> {
      return call<GraphNode>('me', { method: 'GET', query: { fields: 'id,name' } }, signal);
    },

    /** The app the token was issued for (its id marks our own echoes). */
    async getApp(signal?: AbortSignal): Promise<GraphNode> {
      return call<GraphNode>('app', { method: 'GET' }, signal);
    },
  };
}

export type GraphClient = ReturnType<typeof createGraphClient>;
