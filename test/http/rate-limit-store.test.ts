import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import {
  LocalStore,
  RedisStore,
  VETTED_RATE_LIMIT_VERSION,
} from '../../src/http/rate-limit-store.js';
import { TEST_REDIS_URL } from '../helpers/app.js';

// The rate limiter uses @fastify/rate-limit's own stores, which are not its public API. These
// tests pin what src/http/rate-limit-store.ts relies on, so an upgrade that changes them fails
// here instead of in production.

type Result = { current: number; ttl: number } | null;

interface Store {
  incr(
    key: string,
    done: (err: Error | null, r: Result) => void,
    windowMs: number,
    max: number,
  ): void;
  child(routeOptions: unknown): Store;
}

function incr(store: Store, key: string, windowMs = 60_000, max = 10): Promise<Result> {
  return new Promise((resolve, reject) => {
    store.incr(key, (err, r) => (err ? reject(err) : resolve(r)), windowMs, max);
  });
}

test('the installed @fastify/rate-limit is the version its private stores were read against', () => {
  const require = createRequire(import.meta.url);
  const { version } = require('@fastify/rate-limit/package.json') as { version: string };
  assert.equal(version, VETTED_RATE_LIMIT_VERSION);
});

test('its in-memory store counts per key within the window (continueExceeding, backoff off)', async () => {
  const store = new LocalStore(false, false) as Store;
  assert.equal((await incr(store, 'a'))?.current, 1);
  assert.equal((await incr(store, 'a'))?.current, 2);
  assert.equal((await incr(store, 'b'))?.current, 1);
  const ttl = (await incr(store, 'a'))?.ttl ?? 0;
  assert.ok(ttl > 0 && ttl <= 60_000, String(ttl));
});

test('its Redis store counts atomically under the namespace and gives a child per route', async (t) => {
  if (TEST_REDIS_URL === null) return t.skip('TEST_REDIS_URL not set: needs a Redis server');
  const redis = new Redis(TEST_REDIS_URL);
  t.after(() => redis.quit());
  const nameSpace = `gilla-test-rl-${process.pid}-${Date.now()}:`;
  const store = new RedisStore(false, false, redis, nameSpace) as Store;
  const counts = await Promise.all(Array.from({ length: 5 }, () => incr(store, 'k')));
  assert.deepEqual(counts.map((c) => c?.current).sort(), [1, 2, 3, 4, 5]);
  const keys = await redis.keys(`${nameSpace}*`);
  assert.equal(keys.length, 1, keys.join(','));
  const child = store.child({ routeInfo: { method: 'GET', url: '/x' } });
  assert.equal((await incr(child, 'k'))?.current, 1);
  await redis.del(...(await redis.keys(`${nameSpace}*`)));
});
