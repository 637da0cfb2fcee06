import { describeCause } from './describe-cause.ts';

/** Why a platform's file could not be had: words for the agent, and whether a later try may work. */
export interface FetchCappedFailure {
  detail: string;
  retryable: boolean;
}

/**
 * Downloads a file a platform links to, whole, refusing one over `limit` bytes: by its declared
 * length before reading, and by what came after. Each failure goes through `fail`, which makes it
 * the channel's own error (a network failure or a server's 5xx or 429 may be tried again).
 */
export async function fetchCapped(url: string, limit: number, signal: AbortSignal, fail: (failure: FetchCappedFailure) => Error): Promise<{ data: Buffer<ArrayBuffer>; contentType: string | null }> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (cause) {
    throw fail({ detail: describeCause(cause), retryable: true });
  }
  if (!response.ok) throw fail({ detail: `HTTP ${response.status}`, retryable: response.status >= 500 || response.status === 429 });
  if (Number(response.headers.get('content-length') ?? 0) > limit) throw fail({ detail: `> ${limit} bytes`, retryable: false });
  const data = Buffer.from(await response.arrayBuffer());
  if (data.length > limit) throw fail({ detail: `> ${limit} bytes`, retryable: false });
  return { data, contentType: response.headers.get('content-type') };
}
