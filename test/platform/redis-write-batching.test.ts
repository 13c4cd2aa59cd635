import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { writeBatcher } from '../../src/platform/redis-write-batching.js';
import { TEST_REDIS_URL } from '../helpers/app.js';

/** A Redis client whose socket writes are counted (each write is one system call). */
async function countedRedis(t: TestContext): Promise<{ redis: Redis; writes: () => number }> {
  const redis = new Redis(TEST_REDIS_URL ?? '', { keyPrefix: `gilla-test:batch:${Date.now()}:` });
  t.after(async () => {
    await redis.del('a', 'n');
    redis.disconnect();
  });
  await redis.ping();
  let writes = 0;
  const socket = redis.stream as typeof redis.stream & {
    _write: (...args: unknown[]) => void;
    _writev: (...args: unknown[]) => void;
  };
  const write = socket._write.bind(socket);
  const writev = socket._writev.bind(socket);
  socket._write = (...args) => {
    writes += 1;
    write(...args);
  };
  socket._writev = (...args) => {
    writes += 1;
    writev(...args);
  };
  return { redis, writes: () => writes };
}

test('commands sent in one turn after batch() leave in one write, and each gets its answer', async (t) => {
  if (!TEST_REDIS_URL) return t.skip('TEST_REDIS_URL not set: needs a real Redis');
  const { redis, writes } = await countedRedis(t);
  const batch = writeBatcher(redis);

  const before = writes();
  batch();
  const answers = Promise.all([
    redis.set('a', '1'),
    redis.incr('n'),
    redis.get('a'),
    redis.incr('n'),
  ]);
  assert.deepEqual(await answers, ['OK', 1, '1', 2]);
  assert.equal(writes() - before, 1);

  // Without it, each command is a write of its own.
  const unbatched = writes();
  await Promise.all([redis.get('a'), redis.get('n')]);
  assert.equal(writes() - unbatched, 2);
});

test('the socket is let go after the turn: a later command is sent without another batch()', async (t) => {
  if (!TEST_REDIS_URL) return t.skip('TEST_REDIS_URL not set: needs a real Redis');
  const { redis } = await countedRedis(t);
  const batch = writeBatcher(redis);
  batch();
  batch(); // a second call in the same turn holds nothing more back
  assert.equal(redis.stream.writableCorked, 1);
  await nextTurn();
  assert.equal(redis.stream.writableCorked, 0);
  assert.equal(await redis.ping(), 'PONG');
});
