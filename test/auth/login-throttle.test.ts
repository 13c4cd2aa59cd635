import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { LoginThrottle } from '../../src/auth/login-throttle.js';
import { toProblem } from '../../src/http/problem.js';
import { openCache, type Cache } from '../../src/platform/cache.js';
import { openTestCache, testConfig } from '../helpers/app.js';
import { uniqueEmail } from '../helpers/factories.js';

// The configured cache: Redis when TEST_REDIS_URL is set, in-process otherwise.
const cache = await openTestCache(testConfig());
after(() => cache.close());

const uniqueIp = () =>
  `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;

/** Seconds the login of `email` from `ip` must wait (its 429's Retry-After); 0 when allowed. */
async function wait(throttle: LoginThrottle, email: string, ip: string): Promise<number> {
  try {
    await throttle.assertAllowed(email, ip);
    return 0;
  } catch (err) {
    const { problem, headers } = toProblem(err);
    assert.equal(problem.code, 'rate_limited', String(err));
    return Number(headers['retry-after']);
  }
}

async function fail(throttle: LoginThrottle, email: string, ip: string, times: number) {
  for (let i = 0; i < times; i++) await throttle.recordFailure(email, ip);
}

test('each lockout of an account doubles, from a minute up to an hour, never more', async () => {
  const throttle = new LoginThrottle(cache);
  const email = uniqueEmail();
  const ip = uniqueIp();
  const seen: number[] = [];
  for (let round = 0; round < 8; round++) {
    await fail(throttle, email, ip, 9);
    assert.equal(await wait(throttle, email, ip), 0, 'nine failures do not lock');
    await fail(throttle, email, ip, 1);
    seen.push(await wait(throttle, email, ip));
    // Meanwhile another account logs in from the same IP.
    assert.equal(await wait(throttle, uniqueEmail(), ip), 0);
    // The lockout runs out, as if its time had passed.
    await cache.del(`lock:a:${email}`);
  }
  const expected = [60, 120, 240, 480, 960, 1920, 3600, 3600];
  seen.forEach((s, i) => {
    const want = expected[i] ?? 0;
    assert.ok(s >= want - 2 && s <= want, `lockout ${i + 1}: ${s} s, expected ${want}`);
  });
});

test('a successful login clears the count of failures', async () => {
  const throttle = new LoginThrottle(cache);
  const email = uniqueEmail();
  const ip = uniqueIp();
  await fail(throttle, email, ip, 9);
  await throttle.recordSuccess(email);
  await fail(throttle, email, ip, 9);
  assert.equal(await wait(throttle, email, ip), 0);
  await fail(throttle, email, ip, 1);
  assert.ok((await wait(throttle, email, ip)) > 0);
});

test('100 failures from one IP lock that IP for every account; other IPs are not affected', async () => {
  const throttle = new LoginThrottle(cache);
  const ip = uniqueIp();
  for (let i = 0; i < 33; i++) await fail(throttle, uniqueEmail(), ip, 3);
  const victim = uniqueEmail();
  assert.equal(await wait(throttle, victim, ip), 0, '99 failures do not lock the IP');
  await fail(throttle, uniqueEmail(), ip, 1);
  assert.ok((await wait(throttle, victim, ip)) > 0, 'the 100th locks it');
  assert.equal(await wait(throttle, victim, uniqueIp()), 0, 'the account is not');
});

test('failures older than 15 minutes no longer count', async (t) => {
  // The clock is mocked, so this runs on the in-process cache (Redis keeps its own time).
  const memory: Cache = await openCache(
    { url: null, keyPrefix: '', workers: 1 },
    {
      warn: () => undefined,
    },
  );
  t.after(() => memory.close());
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
  const throttle = new LoginThrottle(memory);
  const ip = uniqueIp();
  // Ten failures within a second short of 15 minutes lock the account.
  const inside = uniqueEmail();
  await fail(throttle, inside, ip, 9);
  t.mock.timers.tick(15 * 60 * 1000 - 1000);
  await fail(throttle, inside, ip, 1);
  assert.ok((await wait(throttle, inside, ip)) > 0, 'ten within the window lock');
  // Ten failures over a second more than 15 minutes do not: the first nine have expired.
  const email = uniqueEmail();
  await fail(throttle, email, ip, 9);
  t.mock.timers.tick(15 * 60 * 1000 + 1000);
  await fail(throttle, email, ip, 1);
  assert.equal(await wait(throttle, email, ip), 0, 'the nine old failures expired');
  await fail(throttle, email, ip, 9);
  assert.ok((await wait(throttle, email, ip)) > 0, 'ten within the window lock');
  // And the lockout itself ends when its minute has passed.
  t.mock.timers.tick(61 * 1000);
  assert.equal(await wait(throttle, email, ip), 0);
});
