import { createRequire } from 'node:module';
import type { FastifyRateLimitOptions, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

type Done = (err: Error | null, result: { current: number; ttl: number } | null) => void;

interface Store {
  incr(key: string, done: Done, timeWindow: number, max: number): void;
  read?(key: string, done: Done, timeWindow: number, max: number): void;
  child(routeOptions: unknown): Store;
}

type RedisStoreClass = new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  nameSpace: string,
) => Store;

type LocalStoreClass = new (continueExceeding: boolean, exponentialBackoff: boolean) => Store;

// @fastify/rate-limit's own stores (the Redis one counts atomically in Lua); they ship no types
// and are not its public API. So the dependency is pinned to the version these were read
// against, and test/http/rate-limit-store.test.ts fails when the installed one differs or the
// stores stop behaving as used here.
export const VETTED_RATE_LIMIT_VERSION = '11.2.0';
const require = createRequire(import.meta.url);
/** @internal The private stores, exported for the test that pins them. */
export const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as RedisStoreClass;
/** @internal */
export const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as LocalStoreClass;

/**
 * A route's rate-limit option: count this route in the instance's memory even when Redis is
 * configured. For operations endpoints, which address one instance and must not add a Redis
 * round trip to every probe and scrape.
 */
export const PER_INSTANCE = { perInstance: true } as const;

interface RouteLimitOptions {
  perInstance?: boolean;
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
}

/** What to do when the store fails: the request goes through (fail open), this is told. */
export type OnStoreError = (err: Error) => void;

/** Wraps a store so that each failure is reported before the plugin lets the request through. */
function observed(inner: Store, onError: OnStoreError): Store {
  const watch =
    (done: Done): Done =>
    (err, result) => {
      if (err) onError(err);
      done(err, result);
    };
  return {
    incr: (key, done, timeWindow, max) => inner.incr(key, watch(done), timeWindow, max),
    ...(inner.read
      ? {
          read: (key: string, done: Done, timeWindow: number, max: number) =>
            inner.read?.(key, watch(done), timeWindow, max),
        }
      : {}),
    child: (routeOptions) =>
      (routeOptions as RouteLimitOptions).perInstance === true
        ? perInstanceStore(routeOptions as RouteLimitOptions)
        : observed(inner.child(routeOptions), onError),
  };
}

function perInstanceStore(options: RouteLimitOptions): Store {
  return new LocalStore(options.continueExceeding ?? false, options.exponentialBackoff ?? false);
}

/**
 * The `store` option for @fastify/rate-limit: its Redis store, observed. With `skipOnError` the
 * plugin lets a request through when Redis fails; this makes that visible (a warning, a metric).
 * Routes whose limit carries {@link PER_INSTANCE} count in memory instead.
 */
export function failOpenRedisStore(
  redis: Redis,
  nameSpace: string,
  onError: OnStoreError,
): FastifyRateLimitStoreCtor {
  return class {
    constructor(
      params: FastifyRateLimitOptions & {
        continueExceeding?: boolean;
        exponentialBackoff?: boolean;
      },
    ) {
      const inner = new RedisStore(
        params.continueExceeding ?? false,
        params.exponentialBackoff ?? false,
        redis,
        nameSpace,
      );
      return observed(inner, onError);
    }
  } as unknown as FastifyRateLimitStoreCtor;
}
