import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];
type RouteOptions = Parameters<FastifyRateLimitStore['child']>[0];
type StoreConstructor = new (...args: unknown[]) => FastifyRateLimitStore;

// The plugin's own stores (its Lua script for Redis, its LRU for memory): not in its typings.
const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreConstructor;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreConstructor;

/**
 * A `@fastify/rate-limit` store that counts in Redis, so N per minute means N across all the
 * nodes, and in this process's memory while Redis is unreachable: a degraded node still limits
 * (per node) rather than refuse citizens or let a flood through.
 */
export function sharedRateLimitStore(shared: { client: Redis; readonly connected: boolean }, prefix: string) {
  class SharedStore implements FastifyRateLimitStore {
    readonly #redis: FastifyRateLimitStore;
    readonly #local: FastifyRateLimitStore;

    constructor(params: { continueExceeding?: boolean; exponentialBackoff?: boolean }, stores?: { redis: FastifyRateLimitStore; local: FastifyRateLimitStore }) {
      this.#redis = stores?.redis ?? new RedisStore(params.continueExceeding ?? false, params.exponentialBackoff ?? false, shared.client, `${prefix}rate:`);
      this.#local = stores?.local ?? new LocalStore(params.continueExceeding ?? false, params.exponentialBackoff ?? false);
    }

    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      if (!shared.connected) return this.#local.incr(key, callback, timeWindow, max);
      this.#redis.incr(key, (error, result) => (error ? this.#local.incr(key, callback, timeWindow, max) : callback(null, result)), timeWindow, max);
    }

    child(routeOptions: RouteOptions): FastifyRateLimitStore {
      return new SharedStore({}, { redis: this.#redis.child(routeOptions), local: this.#local.child(routeOptions) });
    }
  }
  return SharedStore as unknown as FastifyRateLimitStoreCtor;
}
