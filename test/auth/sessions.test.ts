import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { setupTestEnv, TEST_REDIS_URL } from '../helpers/app.js';
import { createUser, login } from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const DAY_MS = 24 * 60 * 60 * 1000;

const me = (auth: { authorization: string }, target = app) =>
  target.inject({ method: 'GET', url: '/api/v1/users/me', headers: auth });
const refresh = (refreshToken: string) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });

test('access tokens live 15 minutes; a session and its refresh tokens 30 days', async () => {
  const before = Date.now();
  const user = await createUser(app);
  const claims = decodeJwt(user.accessToken);
  assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 900);
  const session = await app.db
    .selectFrom('sessions')
    .select('expires_at')
    .where('id', '=', claims.sid as string)
    .executeTakeFirstOrThrow();
  const days = (session.expires_at.getTime() - before) / DAY_MS;
  assert.ok(days > 29.99 && days < 30.01, `session expires after ${days} days`);
  // Past its expiry, the session's refresh token is refused and its access token too.
  await app.db
    .updateTable('sessions')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('id', '=', claims.sid as string)
    .execute();
  assert.equal((await refresh(user.refreshToken)).statusCode, 401);
  const late = await createUser(app);
  await app.db
    .updateTable('sessions')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('id', '=', decodeJwt(late.accessToken).sid as string)
    .execute();
  assert.equal((await me(late.auth)).statusCode, 401);
});

test('a session shows its user agent and IP, and a refresh moves its last use on', async () => {
  const user = await createUser(app);
  const signIn = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'user-agent': 'Firefox/140 on the test bench' },
    remoteAddress: '203.0.113.7',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(signIn.statusCode, 200);
  const { accessToken, refreshToken } = signIn.json<{
    accessToken: string;
    refreshToken: string;
  }>();
  const sid = decodeJwt(accessToken).sid as string;
  const listed = async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/auth/sessions',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    assert.equal(res.statusCode, 200);
    const found = res
      .json<{
        data: {
          id: string;
          userAgent: string;
          ip: string;
          lastUsedAt: string;
          createdAt: string;
          current: boolean;
        }[];
      }>()
      .data.find((s) => s.id === sid);
    assert.ok(found, 'the session is listed');
    return found;
  };
  const first = await listed();
  assert.equal(first.userAgent, 'Firefox/140 on the test bench');
  assert.equal(first.ip, '203.0.113.7');
  assert.equal(first.current, true);
  assert.equal(first.lastUsedAt, first.createdAt);
  await new Promise((r) => setTimeout(r, 20));
  const refreshed = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    headers: { 'user-agent': 'Firefox/141 on the test bench' },
    remoteAddress: '203.0.113.8',
    payload: { refreshToken },
  });
  assert.equal(refreshed.statusCode, 200);
  const second = await listed();
  assert.ok(Date.parse(second.lastUsedAt) > Date.parse(first.lastUsedAt), 'last use moved on');
  assert.equal(second.createdAt, first.createdAt);
  assert.equal(second.userAgent, 'Firefox/141 on the test bench');
  assert.equal(second.ip, '203.0.113.8');
});

test('the refresh tokens of ended sessions are refused: password change, logout-all, delete', async () => {
  // A password change ends the other sessions (the one that changed it lives on).
  const changer = await createUser(app);
  const other = await login(app, changer);
  const change = await app.inject({
    method: 'PUT',
    url: '/api/v1/users/me/password',
    headers: changer.auth,
    payload: { currentPassword: changer.password, newPassword: 'a fresh long passphrase' },
  });
  assert.equal(change.statusCode, 204);
  assert.equal((await refresh(other.refreshToken)).statusCode, 401);
  assert.equal((await refresh(changer.refreshToken)).statusCode, 200);

  const everyone = await createUser(app);
  const second = await login(app, everyone);
  const out = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/logout-all',
    headers: everyone.auth,
  });
  assert.equal(out.statusCode, 204);
  assert.equal((await refresh(everyone.refreshToken)).statusCode, 401);
  assert.equal((await refresh(second.refreshToken)).statusCode, 401);

  const owner = await createUser(app);
  const doomed = await login(app, owner);
  const del = await app.inject({
    method: 'DELETE',
    url: `/api/v1/auth/sessions/${decodeJwt(doomed.accessToken).sid as string}`,
    headers: owner.auth,
  });
  assert.equal(del.statusCode, 204);
  assert.equal((await refresh(doomed.refreshToken)).statusCode, 401);
  assert.equal((await refresh(owner.refreshToken)).statusCode, 200, 'the other session lives on');
});

test('two instances sharing Redis: a logout on one is refused at once by the other', async (t) => {
  if (!TEST_REDIS_URL) return t.skip('TEST_REDIS_URL not set: two instances need a shared Redis');
  const shared = { REDIS_KEY_PREFIX: `gilla-test:${randomBytes(6).toString('hex')}:` };
  const a = await env.app(shared);
  const b = await env.app(shared);
  const user = await createUser(a);
  // B has seen the session live (and cached it) before A ends it.
  assert.equal((await me(user.auth, b)).statusCode, 200);
  assert.equal((await me(user.auth, b)).statusCode, 200);
  const out = await a.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: user.auth });
  assert.equal(out.statusCode, 204);
  const after = await me(user.auth, b);
  assert.equal(after.statusCode, 401);
  assert.equal(after.json().code, 'invalid_token');
});
