// The one seam between this channel and zca-js: what the adapter calls and what it listens to,
// written in the package's own types. The real client (api-client.ts) and the tests' fake both
// implement it, so a change of those types in zca-js fails the typecheck of both.
import type { CloseReason, Credentials, LoginQRCallbackEvent, Message, MessageContent, SendMessageResponse, ThreadType } from 'zca-js';

export type { Credentials, LoginQRCallbackEvent, Message, MessageContent, SendMessageResponse } from 'zca-js';

/**
 * The listener events the channel follows, in zca-js's exported types (the package does not
 * export its event map; api-client.ts checks these against its listener at compile time).
 */
export interface ZaloPersonalListenerEvents {
  connected: [];
  closed: [code: CloseReason, reason: string];
  error: [error: unknown];
  message: [message: Message];
  old_messages: [messages: Message[], type: ThreadType];
}

/** The part of zca-js's `Listener` (one WebSocket to Zalo per account) the channel uses. */
export interface ZaloPersonalListener {
  on<E extends keyof ZaloPersonalListenerEvents>(event: E, listener: (...args: ZaloPersonalListenerEvents[E]) => void): unknown;
  off<E extends keyof ZaloPersonalListenerEvents>(event: E, listener: (...args: ZaloPersonalListenerEvents[E]) => void): unknown;
  /** Opens the socket. The channel reconnects by itself, so it never asks zca-js to retry. */
  start(options?: { retryOnClose?: boolean }): void;
  stop(): void;
  /** Asks Zalo for the messages after `lastMsgId` (answered by `old_messages`): catch-up after a gap. */
  requestOldMessages(threadType: ThreadType, lastMsgId?: string | null): void;
}

/** A signed-in account. */
export interface ZaloPersonalSession {
  /** The account's own Zalo user id. */
  ownId: string;
  listener: ZaloPersonalListener;
  /** Sends text and attachments (zca-js uploads the attachments itself) to a user or a group. */
  sendMessage(message: MessageContent | string, threadId: string, type?: ThreadType): Promise<SendMessageResponse>;
}

/** Why a sign-in with stored credentials failed. */
export class SessionRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionRejectedError';
  }
}

/** What the channel needs of zca-js: the two ways to sign in. */
export interface ZaloPersonalClient {
  /**
   * Signs in with stored credentials (cookies, IMEI, user agent). Rejects with
   * SessionRejectedError when Zalo refuses them, with any other error when it could not be asked.
   */
  login(credentials: Credentials): Promise<ZaloPersonalSession>;
  /**
   * Signs in by QR code: `onEvent` receives zca-js's events (the code to show, expired, scanned,
   * declined, then the credentials to keep); resolves with the session once the phone confirms.
   * `signal` gives up the attempt.
   */
  loginQR(onEvent: (event: LoginQRCallbackEvent) => void, signal: AbortSignal): Promise<ZaloPersonalSession>;
}
