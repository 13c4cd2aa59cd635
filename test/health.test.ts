import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from '../src/app.js';
import { sharedHealthCheck } from '../src/health/health.service.js';
import type { Cache } from '../src/platform/cache.js';
import type { DatabaseHandle } from '../src/platform/database.js';
import { setupTestEnv, testConfig } from './helpers/app.js';

const env = await setupTestEnv();

test('GET /health: ok with version and checks', async () => {
  const app = await env.app();
  const res = await app.inject({ method: 'GET', url: '/health' });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.status, 'ok');
  assert.match(body.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(body.checks, { database: 'ok', cache: 'ok' });
});

test('probes arriving together share one check; a probe never joins a check that began before it', async () => {
  let pings = 0;
  let answer: () => Promise<void> = () => Promise.resolve();
  const database = { ping: () => ((pings += 1), answer()) } as unknown as DatabaseHandle;
  const cache = { ping: () => Promise.resolve() } as unknown as Cache;
  const check = sharedHealthCheck(database, cache);

  const burst = await Promise.all([check(), check(), check()]);
  assert.equal(pings, 1);
  assert.deepEqual(
    burst.map((r) => r.status),
    ['ok', 'ok', 'ok'],
  );

  answer = () => Promise.reject(new Error('connection refused'));
  const afterOutage = await check();
  assert.equal(pings, 2);
  assert.equal(afterOutage.status, 'down');

  // A check under way: a probe arriving now gets a check of its own, which sees the recovery.
  let finishSlow: () => void = () => undefined;
  answer = () =>
    new Promise<void>((_resolve, reject) => (finishSlow = () => reject(new Error('down'))));
  const slow = check();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(pings, 3);
  answer = () => Promise.resolve();
  const fresh = check();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(pings, 4);
  finishSlow();
  assert.equal((await slow).status, 'down');
  assert.equal((await fresh).status, 'ok');
});

test('liveness and readiness', async () => {
  const app = await env.app();
  assert.deepEqual((await app.inject({ method: 'GET', url: '/health/live' })).json(), {
    status: 'ok',
  });
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  assert.equal(ready.statusCode, 200);
});

test('database unreachable: /health and /health/ready answer 503, liveness stays 200', async (t) => {
  // A port nothing listens on: the pool fails to connect.
  const app = await buildApp(
    testConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none',
      DATABASE_TIMEOUT_MS: '500',
    }),
  );
  t.after(() => app.close());
  const health = await app.inject({ method: 'GET', url: '/health' });
  assert.equal(health.statusCode, 503);
  assert.equal(health.json().status, 'down');
  assert.equal(health.json().checks.database, 'down');
  assert.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 503);
  assert.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
});

test('cache unreachable: /health is degraded but 200', async (t) => {
  const app = await buildApp(testConfig({ REDIS_URL: 'redis://127.0.0.1:9' }), {
    database: env.database.handle,
  });
  t.after(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/health' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().status, 'degraded');
  assert.deepEqual(res.json().checks, { database: 'ok', cache: 'down' });
});

test('GET /metrics: Prometheus text with the request histogram by route template', async () => {
  const app = await env.app();
  await app.inject({ method: 'GET', url: '/health/live' });
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  assert.match(
    res.body,
    /http_request_duration_seconds_count\{route="\/health\/live",method="GET",status_code="200"\} 1/,
  );
  assert.match(res.body, /process_cpu_user_seconds_total/);
  assert.match(res.body, /gilla_db_pool_connections/);
});

test('GET /api/openapi.json is OpenAPI 3.1 and /api/docs serves the docs page', async () => {
  const app = await env.app();
  const doc = await app.inject({ method: 'GET', url: '/api/openapi.json' });
  assert.equal(doc.statusCode, 200);
  assert.equal(doc.json().openapi, '3.1.0');
  assert.ok(doc.json().paths['/health']);
  const docs = await app.inject({ method: 'GET', url: '/api/docs/' });
  assert.equal(docs.statusCode, 200);
  assert.match(docs.body, /swagger-ui/i);
});
