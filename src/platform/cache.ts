import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { writeBatcher } from './redis-write-batching.js';
import { throttledWarning } from './throttled-warning.js';

interface Logger {
  warn(obj: object, msg: string): void;
}

/**
 * Shared short-lived state: cached lookups, counters and revocations.
 * Redis when configured; otherwise in-process. A failing Redis never fails a request:
 * reads miss, writes are dropped with a warning, and callers fall back to the database.
 */
export interface Cache {
  /** The Redis client, for libraries that bring their own store (rate limits). */
  readonly redis: Redis | null;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Sets only when the key is absent (a cache fill must not overwrite a revocation). */
  add(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** Adds one to a counter that expires `ttlSeconds` after its first count; null when unavailable. */
  incr(key: string, ttlSeconds: number): Promise<number | null>;
  /** Seconds until the key expires; null when absent or unavailable. */
  ttl(key: string): Promise<number | null>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

class MemoryCache implements Cache {
  readonly redis = null;
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly sweeper = setInterval(() => this.sweep(), 60_000).unref();

  private live(key: string): { value: string; expiresAt: number } | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  get(key: string): Promise<string | null> {
    return Promise.resolve(this.live(key)?.value ?? null);
  }

  set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  add(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (!this.live(key))
      this.entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  del(...keys: string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
    return Promise.resolve();
  }

  incr(key: string, ttlSeconds: number): Promise<number | null> {
    const entry = this.live(key);
    const next = entry ? Number(entry.value) + 1 : 1;
    this.entries.set(key, {
      value: String(next),
      expiresAt: entry?.expiresAt ?? Date.now() + ttlSeconds * 1000,
    });
    return Promise.resolve(next);
  }

  ttl(key: string): Promise<number | null> {
    const entry = this.live(key);
    return Promise.resolve(entry ? Math.ceil((entry.expiresAt - Date.now()) / 1000) : null);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
    return Promise.resolve();
  }
}

/**
 * For several workers without Redis: cache fills (`add`) are dropped, so no worker serves another's
 * stale answer (a live session that was revoked, a changed role or flag). Plain `set` and counters
 * still work per worker: revocation markers and login lockouts.
 */
class NoCache extends MemoryCache {
  override add(): Promise<void> {
    return Promise.resolve();
  }
}

class RedisCache implements Cache {
  private readonly warn: (details: object) => void;

  constructor(
    readonly redis: Redis,
    log: Logger,
  ) {
    this.warn = throttledWarning(log, 'redis unavailable: cache bypassed');
  }

  private fail(err: unknown, op: string): null {
    this.warn({ err, op });
    return null;
  }

  async get(key: string): Promise<string | null> {
    try {
      return await this.redis.get(key);
    } catch (err) {
      return this.fail(err, 'get');
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    try {
      await this.redis.set(key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    } catch (err) {
      this.fail(err, 'set');
    }
  }

  async add(key: string, value: string, ttlSeconds: number): Promise<void> {
    try {
      await this.redis.set(key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX');
    } catch (err) {
      this.fail(err, 'add');
    }
  }

  async del(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.redis.del(...keys);
    } catch (err) {
      this.fail(err, 'del');
    }
  }

  async incr(key: string, ttlSeconds: number): Promise<number | null> {
    try {
      const result = await this.redis
        .multi()
        .incr(key)
        .expire(key, Math.max(1, Math.ceil(ttlSeconds)), 'NX')
        .exec();
      const count = result?.[0]?.[1];
      return typeof count === 'number' ? count : null;
    } catch (err) {
      return this.fail(err, 'incr');
    }
  }

  async ttl(key: string): Promise<number | null> {
    try {
      const seconds = await this.redis.ttl(key);
      return seconds > 0 ? seconds : null;
    } catch (err) {
      return this.fail(err, 'ttl');
    }
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

/** Opens the cache: Redis when a URL is given; in-process otherwise (a pass-through with several workers). */
export async function openCache(
  options: { url: string | null; keyPrefix: string; workers: number; caFile?: string | null },
  log: Logger,
): Promise<Cache> {
  if (options.url === null) return options.workers > 1 ? new NoCache() : new MemoryCache();
  const redis = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    lazyConnect: true,
    enableOfflineQueue: false,
    // No auto-pipelining: ioredis builds a Pipeline object for every event-loop turn that sends
    // a command, which cost more CPU than the writes it saves. Without it, an authenticated GET
    // served 10–15 % more requests a second in the bench (/users/me vs the bare server: 0.75–0.79
    // against 0.64–0.66, runs interleaved).
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    // rediss:// speaks TLS (ioredis verifies the server against the system's CAs, or this one).
    ...(options.caFile ? { tls: { ca: readFileSync(options.caFile) } } : {}),
  });
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  try {
    await redis.connect();
  } catch (err) {
    // Start anyway: the service works without Redis and reconnects by itself.
    log.warn({ err }, 'redis not reachable at start-up; continuing degraded');
  }
  return new RedisCache(redis, log);
}

declare module 'fastify' {
  interface FastifyInstance {
    cache: Cache;
  }
}

/** Decorates `app.cache`; closes it with the app unless it was given. */
export const cachePlugin = fp<{ config: Config; cache?: Cache }>(
  async (app, { config, cache }) => {
    const handle =
      cache ?? (await openCache({ ...config.redis, workers: config.workers }, app.log));
    if (!cache) app.addHook('onClose', () => handle.close());
    app.decorate('cache', handle);
    if (handle.redis) {
      // Before the hooks that use Redis (session lookup, rate limit): their commands leave as one.
      const batch = writeBatcher(handle.redis);
      app.addHook('onRequest', (_request, _reply, done) => {
        batch();
        done();
      });
    }
  },
  { name: 'cache' },
);

/** A JSON value cached read-through, invalidated across instances by a version counter. */
export interface CachedValue<T> {
  read(): Promise<T>;
  /** After the change has committed: every later read loads afresh. */
  invalidate(): Promise<void>;
}

const VERSION_TTL_SECONDS = 7 * 24 * 3600;

/** Bumps a version counter that cache keys embed: every key under the old version goes unread. */
export async function bumpVersion(cache: Cache, versionKey: string): Promise<void> {
  await cache.incr(versionKey, VERSION_TTL_SECONDS);
}

/**
 * Read-through caching of a JSON value under a versioned key. An invalidation bumps the version,
 * so a read that loaded the old value before the change committed can only fill the old key,
 * which nobody reads any more: a stale fill cannot outlive an invalidation.
 */
export function cachedValue<T>(
  cache: Cache,
  key: string,
  ttlSeconds: number,
  load: () => Promise<T>,
  revive: (value: T) => T = (value) => value,
): CachedValue<T> {
  const versionKey = `${key}:v`;
  return {
    async read() {
      const version = (await cache.get(versionKey)) ?? '0';
      const valueKey = `${key}:${version}`;
      const cached = await cache.get(valueKey);
      if (cached !== null) return revive(JSON.parse(cached) as T);
      const value = await load();
      await cache.add(valueKey, JSON.stringify(value), ttlSeconds);
      return value;
    },
    invalidate: () => bumpVersion(cache, versionKey),
  };
}
