import type { FastifyBaseLogger } from 'fastify';
import type { InboxState } from '../channel-adapter.ts';

/** What the platform tells us about a person, as cached in the inbox state. */
export interface CachedProfile {
  displayName?: string;
  avatarUrl?: string;
  /** E.164 digits, when the person shared a phone number with the OA. */
  phone?: string;
  fetchedAt: number;
  /** The platform refused (e.g. no permission): not asked again before `retryAfterMs`. */
  failed?: boolean;
}

export interface ProfileCacheOptions {
  state: InboxState;
  logger: FastifyBaseLogger;
  fetchProfile(userId: string, signal: AbortSignal): Promise<Omit<CachedProfile, 'fetchedAt'>>;
  /** False for failures worth trying again soon (network, token being renewed): not cached. */
  isPermanent?(error: unknown): boolean;
  /** Refresh a profile this old (avatars' URLs expire). */
  maxAgeMs?: number;
  retryAfterMs?: number;
  concurrency?: number;
  now?: () => number;
}

const memoryLimit = 5000;

/**
 * Profiles fetched once per person, in the background after the webhook was acknowledged, and
 * cached in the inbox state (so every node and every restart shares them) with a bounded copy in
 * memory. Inbound messages read the cache only; they never wait for the platform.
 */
export function createProfileCache(options: ProfileCacheOptions) {
  const { state, logger } = options;
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? 30 * 86_400_000;
  const retryAfterMs = options.retryAfterMs ?? 86_400_000;
  const concurrency = options.concurrency ?? 4;
  const memory = new Map<string, CachedProfile>();
  /** People whose fetch failed for a passing reason: not asked again before the time given. */
  const backoff = new Map<string, number>();
  const transientRetryMs = 5 * 60_000;
  const queued = new Set<string>();
  const queue: string[] = [];
  const controller = new AbortController();
  let active = 0;
  const idleWaiters: Array<() => void> = [];

  const key = (userId: string) => `profile.${userId}`;
  const remember = (userId: string, profile: CachedProfile) => {
    memory.delete(userId);
    memory.set(userId, profile);
    if (memory.size > memoryLimit) memory.delete(memory.keys().next().value!);
  };
  const fresh = (profile: CachedProfile | null | undefined) =>
    profile != null && now() - profile.fetchedAt < (profile.failed ? retryAfterMs : maxAgeMs);

  async function cached(userId: string): Promise<CachedProfile | null> {
    const inMemory = memory.get(userId);
    if (inMemory) return inMemory;
    const raw = await state.get(key(userId));
    if (!raw) return null;
    try {
      const profile = JSON.parse(raw) as CachedProfile;
      remember(userId, profile);
      return profile;
    } catch {
      return null;
    }
  }

  async function fetchOne(userId: string): Promise<void> {
    if (fresh(await cached(userId))) return;
    let profile: CachedProfile;
    try {
      profile = { ...(await options.fetchProfile(userId, controller.signal)), fetchedAt: now() };
    } catch (error) {
      if (controller.signal.aborted) return;
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not fetch a contact profile');
      if (options.isPermanent && !options.isPermanent(error)) {
        backoff.set(userId, now() + transientRetryMs);
        if (backoff.size > memoryLimit) backoff.delete(backoff.keys().next().value!);
        return;
      }
      profile = { fetchedAt: now(), failed: true };
    }
    backoff.delete(userId);
    remember(userId, profile);
    await state.set(key(userId), JSON.stringify(profile));
  }

  function pump(): void {
    while (active < concurrency && queue.length > 0 && !controller.signal.aborted) {
      const userId = queue.shift()!;
      active++;
      fetchOne(userId)
        .catch((error: unknown) => {
          if (!controller.signal.aborted) logger.warn({ err: error }, 'could not cache a contact profile');
        })
        .finally(() => {
          active--;
          queued.delete(userId);
          pump();
          if (active === 0 && queue.length === 0) idleWaiters.splice(0).forEach((resolve) => resolve());
        });
    }
  }

  return {
    /** The cached profile of a person, or null (never calls the platform). */
    cached,
    /** Queues fetches for people whose profile is missing or stale; returns at once. */
    request(userIds: Iterable<string>): void {
      for (const userId of userIds) {
        if (queued.has(userId) || fresh(memory.get(userId)) || (backoff.get(userId) ?? 0) > now()) continue;
        queued.add(userId);
        queue.push(userId);
      }
      pump();
    },
    /** Resolves when no fetch is queued or running (tests, shutdown). */
    idle(): Promise<void> {
      if (active === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    /** Abandons queued and running fetches. */
    async close(): Promise<void> {
      controller.abort();
      queue.length = 0;
      if (active > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}

export type ProfileCache = ReturnType<typeof createProfileCache>;
