import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { setupTestEnv, TEST_REDIS_URL } from '../helpers/app.js';
import { createUser, uniqueEmail } from '../helpers/factories.js';

const env = await setupTestEnv();

test('every API response carries RateLimit headers; over the hourly limit is 429 with Retry-After', async () => {
  const app = await env.app({ RATE_LIMIT_PER_HOUR: '3' });
  const first = await app.inject({ method: 'GET', url: '/api/v1/nope', remoteAddress: '10.1.1.1' });
  assert.equal(first.headers['ratelimit-limit'], '3');
  assert.equal(first.headers['ratelimit-remaining'], '2');
  assert.ok(Number(first.headers['ratelimit-reset']) > 0);
  await app.inject({ method: 'GET', url: '/api/v1/nope', remoteAddress: '10.1.1.1' });
  await app.inject({ method: 'GET', url: '/api/v1/nope', remoteAddress: '10.1.1.1' });
  const limited = await app.inject({
    method: 'GET',
    url: '/api/v1/nope',
    remoteAddress: '10.1.1.1',
  });
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.json().code, 'rate_limited');
  assert.match(String(limited.headers['content-type']), /problem\+json/);
  assert.ok(Number(limited.headers['retry-after']) > 0);
  // Another client is not affected.
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/nope', remoteAddress: '10.1.1.2' }))
      .statusCode,
    404,
  );
  // Health probes are never limited.
  assert.equal(
    (await app.inject({ method: 'GET', url: '/health/live', remoteAddress: '10.1.1.1' }))
      .statusCode,
    200,
  );
});

test('operations endpoints and the docs carry RateLimit headers too, with room for probes', async () => {
  const app = await env.app({ RATE_LIMIT_PER_HOUR: '3' });
  for (const url of [
    '/health',
    '/health/live',
    '/health/ready',
    '/metrics',
    '/api/openapi.json',
    '/api/docs/',
  ]) {
    const res = await app.inject({ method: 'GET', url, remoteAddress: '10.6.6.6' });
    assert.ok(res.statusCode < 400, `${url}: ${res.statusCode}`);
    assert.ok(Number(res.headers['ratelimit-limit']) > 0, `${url} has no RateLimit-Limit`);
    assert.ok(res.headers['ratelimit-remaining'] !== undefined, url);
    assert.ok(res.headers['ratelimit-reset'] !== undefined, url);
    // Probes, metrics and the API document have room; the docs page is an ordinary route.
    assert.equal(res.headers['ratelimit-limit'], url === '/api/docs/' ? '3' : '60000', url);
  }
  // Never less room than any other route.
  const generous = await env.app({ RATE_LIMIT_PER_HOUR: '250000' });
  const res = await generous.inject({ url: '/health', remoteAddress: '10.6.6.7' });
  assert.equal(res.headers['ratelimit-limit'], '250000');
});

test('signed-in callers are counted per user, not per IP', async () => {
  const app = await env.app({ RATE_LIMIT_PER_HOUR: '4' });
  const a = await createUser(app);
  const b = await createUser(app);
  for (let i = 0; i < 4; i++) {
    assert.equal(
      (
        await app.inject({
          method: 'GET',
          url: '/api/v1/users/me',
          headers: a.auth,
          remoteAddress: '10.2.2.2',
        })
      ).statusCode,
      200,
    );
  }
  assert.equal(
    (
      await app.inject({
        method: 'GET',
        url: '/api/v1/users/me',
        headers: a.auth,
        remoteAddress: '10.2.2.2',
      })
    ).statusCode,
    429,
  );
  assert.equal(
    (
      await app.inject({
        method: 'GET',
        url: '/api/v1/users/me',
        headers: b.auth,
        remoteAddress: '10.2.2.2',
      })
    ).statusCode,
    200,
  );
});

test('login, registration and password reset have a stricter per-IP limit per minute', async () => {
  const app = await env.app({ AUTH_RATE_LIMIT_PER_MINUTE: '2' });
  const post = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, payload, remoteAddress: '10.3.3.3' });
  assert.equal(
    (await post('/api/v1/auth/login', { email: uniqueEmail(), password: 'whatever pw' }))
      .statusCode,
    401,
  );
  assert.equal(
    (await post('/api/v1/auth/login', { email: uniqueEmail(), password: 'whatever pw' }))
      .statusCode,
    401,
  );
  const limited = await post('/api/v1/auth/login', {
    email: uniqueEmail(),
    password: 'whatever pw',
  });
  assert.equal(limited.statusCode, 429);
  assert.ok(Number(limited.headers['retry-after']) <= 60);
  assert.equal(
    (await post('/api/v1/auth/password/forgot', { email: uniqueEmail() })).statusCode,
    202,
  );
});

test('X-Forwarded-For is ignored unless TRUST_PROXY is on', async () => {
  const app = await env.app({ RATE_LIMIT_PER_HOUR: '1' });
  await app.inject({
    method: 'GET',
    url: '/api/v1/nope',
    remoteAddress: '10.4.4.4',
    headers: { 'x-forwarded-for': '1.1.1.1' },
  });
  const spoofed = await app.inject({
    method: 'GET',
    url: '/api/v1/nope',
    remoteAddress: '10.4.4.4',
    headers: { 'x-forwarded-for': '2.2.2.2' },
  });
  assert.equal(spoofed.statusCode, 429);
  const trusting = await env.app({ RATE_LIMIT_PER_HOUR: '1', TRUST_PROXY: 'true' });
  await trusting.inject({
    method: 'GET',
    url: '/api/v1/nope',
    remoteAddress: '10.5.5.5',
    headers: { 'x-forwarded-for': '3.3.3.3' },
  });
  const other = await trusting.inject({
    method: 'GET',
    url: '/api/v1/nope',
    remoteAddress: '10.5.5.5',
    headers: { 'x-forwarded-for': '4.4.4.4' },
  });
  assert.equal(other.statusCode, 404);
});

test('two instances on one Redis share the count: the limit holds across them', async (t) => {
  if (!TEST_REDIS_URL) {
    t.skip('TEST_REDIS_URL not set: two instances need a shared Redis');
    return;
  }
  const prefix = `gilla-test:${randomBytes(6).toString('hex')}:`;
  const one = await env.app({ RATE_LIMIT_PER_HOUR: '4', REDIS_KEY_PREFIX: prefix });
  const two = await env.app({ RATE_LIMIT_PER_HOUR: '4', REDIS_KEY_PREFIX: prefix });
  const hit = (app: typeof one) =>
    app.inject({ method: 'GET', url: '/api/v1/nope', remoteAddress: '10.8.8.8' });
  const remaining: string[] = [];
  for (const app of [one, two, one, two]) {
    const res = await hit(app);
    assert.equal(res.statusCode, 404);
    remaining.push(String(res.headers['ratelimit-remaining']));
  }
  assert.deepEqual(remaining, ['3', '2', '1', '0']);
  assert.equal((await hit(one)).statusCode, 429);
  assert.equal((await hit(two)).statusCode, 429);
  // The rejections are counted on the instance that refused.
  const metrics = (await two.inject({ url: '/metrics', remoteAddress: '10.9.9.9' })).body;
  assert.match(metrics, /gilla_rate_limited_total\{bucket="[^"]*"\} 1/);
});

test('probes and /metrics are counted by each instance, without a Redis round trip', async (t) => {
  if (!TEST_REDIS_URL) {
    t.skip('TEST_REDIS_URL not set: the per-instance count matters only beside a shared Redis');
    return;
  }
  const prefix = `gilla-test:${randomBytes(6).toString('hex')}:`;
  const one = await env.app({ REDIS_KEY_PREFIX: prefix });
  const two = await env.app({ REDIS_KEY_PREFIX: prefix });
  const probe = (app: typeof one) =>
    app.inject({ method: 'GET', url: '/health/live', remoteAddress: '10.7.7.7' });
  const first = Number((await probe(one)).headers['ratelimit-remaining']);
  assert.equal(Number((await probe(one)).headers['ratelimit-remaining']), first - 1);
  // The other instance has its own count for the same caller.
  assert.equal(Number((await probe(two)).headers['ratelimit-remaining']), first);
  const redis = new Redis(TEST_REDIS_URL);
  try {
    assert.deepEqual(await redis.keys(`${prefix}*`), [], 'nothing about probes is in Redis');
    // An API call, by contrast, is counted in Redis.
    await one.inject({ method: 'GET', url: '/api/v1/nope', remoteAddress: '10.7.7.7' });
    assert.equal((await redis.keys(`${prefix}*`)).length, 1);
  } finally {
    redis.disconnect();
  }
});
