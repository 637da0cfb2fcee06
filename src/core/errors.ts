/** Base of the errors a request handler may turn into a 4xx with a message for the caller. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export class NotFoundError extends HttpError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export type ChannelErrorKind = 'rate_limited' | 'auth_failed' | 'invalid' | 'network' | 'unsupported' | 'window_closed' | 'rejected';

/**
 * A failure reported by a channel adapter. Adapters map their vendor codes to these in one
 * function; the outbox retries only `retryable` ones and shows `message` on the failed message.
 */
export class ChannelError extends Error {
  constructor(
    readonly channel: string,
    readonly kind: ChannelErrorKind,
    message: string,
    readonly retryable: boolean,
    /** The vendor's own code, kept for the record. */
    readonly vendorCode?: string | number,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

/**
 * A send the channel postpones by a rule of its own (a per-account rate limit): the outbox tries
 * it again at `at` without counting an attempt, so a burst of replies waits in the queue instead
 * of running out of attempts. The message shows `message` meanwhile.
 */
export class SendDeferredError extends ChannelError {
  constructor(
    channel: string,
    message: string,
    readonly at: Date,
  ) {
    super(channel, 'rate_limited', message, true);
    this.name = 'SendDeferredError';
  }
}
