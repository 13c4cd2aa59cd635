import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { setupTestEnv } from '../helpers/app.js';
import { createUser, uniqueEmail } from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();

test('register: 201 token response; the user is stored with an argon2id hash', async () => {
  const email = uniqueEmail();
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password: 'correct horse battery', name: 'Ada' },
  });
  assert.equal(res.statusCode, 201);
  const body = res.json();
  assert.equal(body.tokenType, 'Bearer');
  assert.equal(body.expiresIn, 900);
  assert.equal(typeof body.refreshToken, 'string');
  assert.ok(body.refreshToken.length >= 43);
  assert.deepEqual(Object.keys(body.user).sort(), [
    'avatarUrl',
    'createdAt',
    'email',
    'emailVerified',
    'id',
    'name',
    'providers',
    'role',
    'updatedAt',
  ]);
  assert.equal(body.user.email, email);
  assert.equal(body.user.role, 'user');
  assert.equal(body.user.emailVerified, false);
  assert.deepEqual(body.user.providers, ['password']);
  const claims = decodeJwt(body.accessToken);
  assert.equal(claims.sub, body.user.id);
  for (const claim of ['sid', 'jti', 'iat', 'exp', 'iss', 'aud']) assert.ok(claims[claim], claim);
  assert.equal(decodeProtectedHeader(body.accessToken).alg, 'HS256');
  const row = await app.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', body.user.id)
    .executeTakeFirstOrThrow();
  assert.match(row.password_hash ?? '', /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
});

test('register: taken e-mail (any case) is 409 conflict', async () => {
  const user = await createUser(app);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: user.email.toUpperCase(), password: 'another long password' },
  });
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().code, 'conflict');
});

test('register: password rules give 400 naming the field, and nothing is written', async () => {
  const cases = [
    { password: 'short', path: 'password' },
    { password: 'x'.repeat(129), path: 'password' },
    { password: 'password123', path: 'password' },
    { password: 'Qwertyuiop', path: 'password' },
  ];
  for (const c of cases) {
    const email = uniqueEmail();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: c.password },
    });
    assert.equal(res.statusCode, 400, c.password);
    assert.equal(res.json().code, 'validation_failed');
    assert.equal(res.json().errors[0].path, c.path);
    const row = await app.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirst();
    assert.equal(row, undefined);
  }
});

test('register: bad input is a clear 400, never a 5xx', async () => {
  const bodies = [
    { email: 'not-an-email', password: 'long enough pw' },
    { email: 42, password: 'long enough pw' },
    { email: uniqueEmail(), password: 12345678 },
    { email: uniqueEmail(), password: 'long enough pw', role: 'admin' },
    { email: uniqueEmail(), password: 'long enough pw', emailVerified: true },
    { email: uniqueEmail() },
  ];
  const count = async () =>
    Number(
      (
        await app.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const before = await count();
  for (const payload of bodies) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload });
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
    assert.equal(res.json().code, 'validation_failed');
  }
  assert.equal(await count(), before, 'no user was written');
});

test('register: 8 and 128 characters are accepted; entries from all through the 10,000-word list are refused', async () => {
  for (const password of ['k7#mQ2vz', 'z'.repeat(127) + '7']) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: uniqueEmail(), password },
    });
    assert.equal(res.statusCode, 201, `${password.length} characters`);
  }
  const list = readFileSync('assets/common-passwords.txt', 'utf8').split('\n').filter(Boolean);
  assert.equal(list.length, 10_000);
  // Every 250th entry long enough to pass the length rule, down to the list's last ones.
  const long = list.filter((p) => p.length >= 8);
  const sample = [...long.filter((_, i) => i % 250 === 0), ...long.slice(-3)];
  for (const password of sample) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: uniqueEmail(), password },
    });
    assert.equal(res.statusCode, 400, password);
    assert.match(res.json().errors[0].message, /most common/);
  }
});

test('login: a password over 1024 characters is a 400 naming it; 1024 is an ordinary 401', async () => {
  const user = await createUser(app);
  const tooLong = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: 'x'.repeat(1025) },
  });
  assert.equal(tooLong.statusCode, 400);
  assert.equal(tooLong.json().errors[0].path, 'password');
  const longest = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: 'x'.repeat(1024) },
  });
  assert.equal(longest.statusCode, 401);
});

test('login: right password 200; unknown e-mail and wrong password the same 401', async () => {
  const user = await createUser(app);
  const ok = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email.toUpperCase(), password: user.password },
  });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().user.id, user.id);
  const wrong = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: 'wrong password!' },
  });
  const unknown = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: uniqueEmail(), password: 'wrong password!' },
  });
  assert.equal(wrong.statusCode, 401);
  assert.equal(unknown.statusCode, 401);
  assert.deepEqual(wrong.json(), unknown.json());
  assert.equal(wrong.json().code, 'invalid_credentials');
});

test('login: unknown e-mail takes about as long as a wrong password (dummy hash)', async () => {
  const user = await createUser(app);
  const time = async (email: string) => {
    const start = process.hrtime.bigint();
    await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'not the password' },
    });
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  await time(uniqueEmail()); // warm the dummy hash
  // Interleaved, and the fastest of 7 each: a loaded machine only ever adds time, and the other
  // test file running beside this one slows single logins by 2-3x at times (CI measured medians
  // of 306 vs 94 ms while a build ran beside it). A round spoilt by a burst of load beside it is
  // measured once more; a real difference (a fast path takes < 5 ms) fails both.
  const round = async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await time(user.email));
      unknown.push(await time(uniqueEmail()));
    }
    return { known: Math.min(...known), unknown: Math.min(...unknown) };
  };
  const alike = (f: { known: number; unknown: number }) =>
    f.unknown > f.known * 0.5 && f.unknown < f.known * 2;
  let fastest = await round();
  if (!alike(fastest)) fastest = await round();
  const shown = `unknown ${fastest.unknown} ms vs known ${fastest.known} ms`;
  // Both verify an argon2id hash: neither is a fast path (a missing hash check would take < 5 ms).
  assert.ok(fastest.unknown > fastest.known * 0.5, shown);
  assert.ok(fastest.unknown < fastest.known * 2, shown);
});

test('login: a hash made with older settings is upgraded on the next successful login', async () => {
  const argon2 = (await import('argon2')).default;
  const user = await createUser(app);
  const weak = await argon2.hash(user.password, {
    type: argon2.argon2id,
    memoryCost: 4096,
    timeCost: 1,
    parallelism: 1,
  });
  await app.db
    .updateTable('users')
    .set({ password_hash: weak })
    .where('id', '=', user.id)
    .execute();
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(res.statusCode, 200);
  const row = await app.db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', user.id)
    .executeTakeFirstOrThrow();
  assert.match(row.password_hash ?? '', /m=19456,p=1,t=2/);
});

test('login: 10 failures lock the account with 429 and a Retry-After of at most a minute', async () => {
  const user = await createUser(app);
  for (let i = 0; i < 10; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: `wrong-${i}-password` },
    });
    assert.equal(res.statusCode, 401);
  }
  const locked = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(locked.statusCode, 429);
  assert.equal(locked.json().code, 'rate_limited');
  const retryAfter = Number(locked.headers['retry-after']);
  assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  // Other accounts are not affected.
  const other = await createUser(app);
  const fine = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: other.email, password: other.password },
  });
  assert.equal(fine.statusCode, 200);
});

test('login: the lockout also holds with several workers and no Redis', async () => {
  // No Redis even in the suite's Redis pass: each worker keeps its own counts.
  const workers = await env.app({ WEB_CONCURRENCY: '2', REDIS_URL: undefined });
  const user = await createUser(workers);
  for (let i = 0; i < 10; i++) {
    await workers.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: `wrong-${i}-password` },
    });
  }
  const locked = await workers.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(locked.statusCode, 429);
});

test('login: a disabled account is 403 account_disabled after the right password', async () => {
  const user = await createUser(app);
  await app.db
    .updateTable('users')
    .set({ disabled_at: new Date() })
    .where('id', '=', user.id)
    .execute();
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(res.statusCode, 403);
  assert.equal(res.json().code, 'account_disabled');
});

test('AUTH_REQUIRE_EMAIL_VERIFICATION: unverified login is 403 email_not_verified', async () => {
  const strict = await env.app({ AUTH_REQUIRE_EMAIL_VERIFICATION: 'true' });
  const user = await createUser(strict);
  const res = await strict.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(res.statusCode, 403);
  assert.equal(res.json().code, 'email_not_verified');
  await strict.db
    .updateTable('users')
    .set({ email_verified_at: new Date() })
    .where('id', '=', user.id)
    .execute();
  const ok = await strict.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(ok.statusCode, 200);
});
