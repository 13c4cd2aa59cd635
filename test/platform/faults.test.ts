import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { setupTestEnv, testConfig } from '../helpers/app.js';
import { createUser, login } from '../helpers/factories.js';
import {
  ownPostgresUnavailable,
  ownRedisUnavailable,
  startOwnPostgres,
  startOwnRedis,
} from '../helpers/services.js';

// Faults with real services: a Redis and a PostgreSQL of the test's own (so the shared ones other
// test files use keep running), paused, stopped and started while requests keep coming.

const env = await setupTestEnv();

/** Runs `during` while six loops read and write as `auth`; returns every status and latency. */
async function underLoad(
  app: FastifyInstance,
  auth: { authorization: string },
  during: () => Promise<void>,
): Promise<{ status: number; ms: number }[]> {
  const seen: { status: number; ms: number }[] = [];
  let stop = false;
  let n = 0;
  const loops = Array.from({ length: 6 }, async (_, i) => {
    while (!stop) {
      const started = Date.now();
      const res = await app.inject(
        i % 3 === 2
          ? {
              method: 'POST',
              url: '/api/v1/projects',
              headers: auth,
              payload: { name: `Load ${n++}` },
            }
          : { url: i % 3 === 0 ? '/api/v1/users/me' : '/api/v1/projects', headers: auth },
      );
      seen.push({ status: res.statusCode, ms: Date.now() - started });
      await sleep(10);
    }
  });
  try {
    await during();
  } finally {
    stop = true;
    await Promise.all(loops);
  }
  return seen;
}

async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await sleep(200);
  }
}

async function healthOf(app: FastifyInstance): Promise<{ code: number; status: string }> {
  const res = await app.inject({ url: '/health' });
  return { code: res.statusCode, status: res.json<{ status: string }>().status };
}

test(
  'Redis paused, then stopped, under load: no 5xx, /health degraded, logouts refused at once; then recovery',
  { timeout: 90_000 },
  async (t) => {
    const why = ownRedisUnavailable();
    if (why) return t.skip(why);
    const redis = await startOwnRedis();
    after(() => redis.stop());
    const logs: string[] = [];
    const app = await env.app(
      { REDIS_URL: redis.url, LOG_LEVEL: 'warn' },
      {
        logStream: new Writable({
          write(chunk: Buffer, _encoding, done) {
            logs.push(chunk.toString());
            done();
          },
        }),
      },
    );
    const user = await createUser(app);
    const paused = await login(app, user);
    const stopped = await login(app, user);
    // Both sessions are now cached as live in Redis.
    for (const s of [paused, stopped]) {
      assert.equal(
        (await app.inject({ url: '/api/v1/users/me', headers: s.auth })).statusCode,
        200,
      );
    }

    const seen = await underLoad(app, user.auth, async () => {
      await sleep(300);
      redis.pause();
      assert.deepEqual(await healthOf(app), { code: 200, status: 'degraded' });
      const out = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: paused.auth,
      });
      assert.equal(out.statusCode, 204);
      assert.equal(
        (await app.inject({ url: '/api/v1/users/me', headers: paused.auth })).statusCode,
        401,
      );
      await sleep(1500);
      redis.resume();
      // Redis still holds "live" for that session: the logout made while it was paused must win.
      await sleep(300);
      assert.equal(
        (await app.inject({ url: '/api/v1/users/me', headers: paused.auth })).statusCode,
        401,
      );

      await redis.stop();
      assert.deepEqual(await healthOf(app), { code: 200, status: 'degraded' });
      const out2 = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: stopped.auth,
      });
      assert.equal(out2.statusCode, 204);
      assert.equal(
        (await app.inject({ url: '/api/v1/users/me', headers: stopped.auth })).statusCode,
        401,
      );
      await sleep(1000);
      await redis.start();
      await eventually(async () => (await healthOf(app)).status === 'ok', 20_000);
      assert.equal(
        (await app.inject({ url: '/api/v1/users/me', headers: stopped.auth })).statusCode,
        401,
      );
      await sleep(500);
    });
    assert.ok(seen.length > 30, `only ${seen.length} requests`);
    assert.deepEqual(
      seen.filter((r) => r.status >= 500),
      [],
    );
    const res = await app.inject({ url: '/api/v1/users/me', headers: user.auth });
    assert.equal(res.statusCode, 200);
    assert.ok(res.headers['ratelimit-limit']);
    // The limit failed open while Redis was away: said in the log and counted.
    const metrics = (await app.inject({ url: '/metrics' })).body;
    const skipped = Number(/^gilla_rate_limit_store_errors_total (\d+)/m.exec(metrics)?.[1]);
    assert.ok(skipped > 0, `rate-limit store errors counted: ${skipped}`);
    assert.ok(
      logs.some((l) => l.includes('rate-limit store unavailable')),
      'the fail-open is logged',
    );
  },
);

test(
  'PostgreSQL stopped under load: quick 503s, /health 503, no half-written projects; then recovery without restart',
  { timeout: 120_000 },
  async (t) => {
    const why = ownPostgresUnavailable();
    if (why) return t.skip(why);
    const pg = await startOwnPostgres();
    after(() => pg.destroy());
    const timeoutMs = 2000;
    // Errors the service logs, to name the cause should a 500 slip through.
    const logged: string[] = [];
    const app = await buildApp(
      testConfig({
        DATABASE_URL: pg.url,
        MIGRATE_ON_START: 'true',
        DATABASE_TIMEOUT_MS: String(timeoutMs),
        LOG_LEVEL: 'error',
      }),
      {
        logStream: new Writable({
          write(chunk: Buffer, _encoding, done) {
            logged.push(chunk.toString());
            done();
          },
        }),
      },
    );
    after(() => app.close());
    await app.ready();
    const user = await createUser(app);

    const seen = await underLoad(app, user.auth, async () => {
      await sleep(500);
      pg.stop();
      await sleep(1500);
      const health = await healthOf(app);
      assert.equal(health.code, 503);
      const res = await app.inject({ url: '/api/v1/projects', headers: user.auth });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json<{ code: string }>().code, 'unavailable');
      await sleep(1000);
      pg.start();
      await eventually(async () => (await healthOf(app)).code === 200, 20_000);
      await sleep(500);
    });
    const failures = seen.filter((r) => r.status >= 500);
    assert.ok(failures.length > 0, 'the outage was not seen');
    assert.deepEqual(
      failures.filter((r) => r.status !== 503),
      [],
      logged.join('').slice(0, 4000),
    );
    const slowest = Math.max(...failures.map((r) => r.ms));
    assert.ok(slowest < timeoutMs * 2 + 1000, `a 503 took ${slowest} ms`);
    assert.ok(
      seen.slice(-6).every((r) => r.status < 500),
      'not recovered',
    );

    // Every project has its owner: no create was half-applied.
    const orphans = await app.db
      .selectFrom('projects')
      .leftJoin('project_members', 'project_members.project_id', 'projects.id')
      .select('projects.id')
      .where('project_members.user_id', 'is', null)
      .execute();
    assert.deepEqual(orphans, []);
  },
);
