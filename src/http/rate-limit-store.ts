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

// @fastify/rate-limit's own Redis store (its Lua script counts atomically); it ships no types.
const RedisStore = createRequire(import.meta.url)(
  '@fastify/rate-limit/store/RedisStore.js',
) as RedisStoreClass;

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
    child: (routeOptions) => observed(inner.child(routeOptions), onError),
  };
}

/**
 * The `store` option for @fastify/rate-limit: its Redis store, observed. With `skipOnError` the
 * plugin lets a request through when Redis fails; this makes that visible (a warning, a metric).
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
