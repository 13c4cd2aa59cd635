import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { cachedValue, openCache, type Cache } from '../../src/platform/cache.js';
import { TEST_REDIS_URL } from '../helpers/app.js';

const silent = { warn: () => undefined };
const prefix = () => `gilla-test:${randomBytes(6).toString('hex')}:`;

async function caches(): Promise<[string, Cache][]> {
  const list: [string, Cache][] = [
    ['memory', await openCache({ url: null, keyPrefix: prefix(), workers: 1 }, silent)],
  ];
  if (TEST_REDIS_URL)
    list.push([
      'redis',
      await openCache({ url: TEST_REDIS_URL, keyPrefix: prefix(), workers: 1 }, silent),
    ]);
  return list;
}

test('cachedValue: a read that loaded before an invalidation cannot leave a stale value behind', async () => {
  for (const [kind, cache] of await caches()) {
    let stored = 'old';
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let slow = true;
    const value = cachedValue(cache, 'thing', 30, async () => {
      const seen = stored;
      if (slow) await gate;
      return seen;
    });
    const racing = value.read(); // loads "old", then stalls before filling the cache
    await new Promise((r) => setTimeout(r, 20));
    stored = 'new';
    await value.invalidate(); // the writer commits and invalidates
    release();
    assert.equal(await racing, 'old');
    slow = false;
    assert.equal(await value.read(), 'new', kind);
    stored = 'newer';
    assert.equal(await value.read(), 'new', `${kind}: served from the cache until invalidated`);
    await value.invalidate();
    assert.equal(await value.read(), 'newer', kind);
    await cache.close();
  }
});

test('several workers without Redis: fills are not cached, but markers and counters are', async () => {
  const cache = await openCache({ url: null, keyPrefix: prefix(), workers: 2 }, silent);
  await cache.add('fill', 'live', 60);
  assert.equal(await cache.get('fill'), null);
  await cache.set('marker', 'x', 60);
  assert.equal(await cache.get('marker'), 'x');
  assert.equal(await cache.incr('count', 60), 1);
  assert.equal(await cache.incr('count', 60), 2);
  assert.ok((await cache.ttl('marker'))! > 0);
  await cache.close();
});
