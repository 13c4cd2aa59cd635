import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { setupTestEnv, sharingInstances } from '../helpers/app.js';
import { createProject, createUser, type TestUser } from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();

interface NewToken {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  token: string;
}

async function newToken(
  user: TestUser,
  body: Record<string, unknown> = { name: 'ci', scopes: ['read'] },
  target = app,
): Promise<NewToken> {
  const res = await target.inject({
    method: 'POST',
    url: '/api/v1/users/me/tokens',
    headers: user.auth,
    payload: body,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json<NewToken>();
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const me = (token: string, target = app) =>
  target.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(token) });

test('a token is shown once, stored as its hash, and works as a bearer token', async () => {
  const user = await createUser(app);
  const before = Date.now();
  const made = await newToken(user, { name: ' deploy bot ', scopes: ['write', 'read'] });
  assert.match(made.token, /^gilla_pat_[A-Za-z0-9_-]{49}$/);
  assert.equal(made.name, 'deploy bot');
  assert.deepEqual(made.scopes, ['read', 'write']);
  assert.equal(made.lastUsedAt, null);
  const days = (Date.parse(made.expiresAt) - before) / 86_400_000;
  assert.ok(days > 89.99 && days < 90.01, `expires after ${days} days by default`);

  const row = await app.db
    .selectFrom('personal_access_tokens')
    .selectAll()
    .where('id', '=', made.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.token_hash, createHash('sha256').update(made.token).digest('base64url'));
  assert.ok(!JSON.stringify(row).includes(made.token.slice(10)), 'the token itself is not stored');

  const res = await me(made.token);
  assert.equal(res.statusCode, 200);
  assert.equal(res.json<{ id: string }>().id, user.id);

  const listed = await app.inject({
    method: 'GET',
    url: '/api/v1/users/me/tokens',
    headers: user.auth,
  });
  assert.equal(listed.statusCode, 200);
  const [shown] = listed.json<{ data: (NewToken & { token?: string })[] }>().data;
  assert.equal(shown?.id, made.id);
  assert.equal(shown?.token, undefined, 'the list never shows the token');
  assert.ok(shown?.lastUsedAt !== null, 'lastUsedAt is set once the token was used');
});

test('a `read` token reads but may not write; a `write` token writes', async () => {
  const user = await createUser(app);
  const reader = await newToken(user, { name: 'reader', scopes: ['read'] });
  const writer = await newToken(user, { name: 'writer', scopes: ['write'] });
  const project = await createProject(app, user);

  const read = await app.inject({
    method: 'GET',
    url: `/api/v1/projects/${project.id}`,
    headers: bearer(reader.token),
  });
  assert.equal(read.statusCode, 200);
  const write = await app.inject({
    method: 'PATCH',
    url: `/api/v1/projects/${project.id}`,
    headers: bearer(reader.token),
    payload: { name: 'Renamed by a reader' },
  });
  assert.equal(write.statusCode, 403);
  assert.equal(write.json<{ code: string }>().code, 'insufficient_scope');
  assert.equal(write.headers['www-authenticate'], 'Bearer error="insufficient_scope"');
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: bearer(reader.token),
    payload: { name: 'Not made', key: 'NOPE' },
  });
  assert.equal(created.statusCode, 403);
  const projects = await app.db
    .selectFrom('projects')
    .select('name')
    .where('key', '=', 'NOPE')
    .execute();
  assert.equal(projects.length, 0, 'nothing was written');

  const made = await app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: bearer(writer.token),
    payload: { name: 'Made by CI', key: 'CIBOT' },
  });
  assert.equal(made.statusCode, 201, made.body);
});

test('a token can never manage tokens, password, MFA, passkeys or sessions', async () => {
  const user = await createUser(app);
  const { token, id } = await newToken(user, { name: 'all', scopes: ['read', 'write'] });
  const walled: [string, string, Record<string, unknown>?][] = [
    ['POST', '/api/v1/users/me/tokens', { name: 'child', scopes: ['write'] }],
    ['GET', '/api/v1/users/me/tokens'],
    ['DELETE', `/api/v1/users/me/tokens/${id}`],
    [
      'PUT',
      '/api/v1/users/me/password',
      { currentPassword: user.password, newPassword: 'x'.repeat(12) },
    ],
    ['DELETE', '/api/v1/users/me', { password: user.password }],
    ['POST', '/api/v1/users/me/mfa/totp'],
    ['DELETE', '/api/v1/users/me/mfa/totp', { code: '123456' }],
    ['POST', '/api/v1/users/me/passkeys/options'],
    ['GET', '/api/v1/users/me/passkeys'],
    ['GET', '/api/v1/auth/sessions'],
    ['POST', '/api/v1/auth/logout'],
    ['POST', '/api/v1/auth/logout-all'],
    ['DELETE', '/api/v1/users/me/providers/google'],
  ];
  for (const [method, url, payload] of walled) {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: bearer(token),
      ...(payload ? { payload } : {}),
    });
    assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
    assert.equal(res.json<{ code: string }>().code, 'insufficient_scope', `${method} ${url}`);
  }
  const tokens = await app.db
    .selectFrom('personal_access_tokens')
    .select('id')
    .where('user_id', '=', user.id)
    .execute();
  assert.equal(tokens.length, 1, 'the token made no token');
  // The password still works: nothing changed.
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(login.statusCode, 200);
  assert.equal((await me(token)).statusCode, 200, 'the sessions were not ended by the token');
});

test('a revoked token is refused at once, also by another instance', async (t) => {
  const { one, two, shared } = await sharingInstances(env, t);
  const user = await createUser(one);
  const made = await newToken(user, { name: 'revoke me', scopes: ['read'] }, one);
  // Both instances have it cached as live.
  assert.equal((await me(made.token, one)).statusCode, 200);
  assert.equal((await me(made.token, two)).statusCode, 200);
  const revoked = await one.inject({
    method: 'DELETE',
    url: `/api/v1/users/me/tokens/${made.id}`,
    headers: user.auth,
  });
  assert.equal(revoked.statusCode, 204);
  const after = await me(made.token, two);
  assert.equal(after.statusCode, 401, `${shared}: ${after.body}`);
  assert.equal(after.json<{ code: string }>().code, 'invalid_token');
  assert.equal((await me(made.token, one)).statusCode, 401);
  const listed = await one.inject({
    method: 'GET',
    url: '/api/v1/users/me/tokens',
    headers: user.auth,
  });
  assert.deepEqual(listed.json(), { data: [] });
  // Revoking again, or another user's token, is 404.
  const again = await one.inject({
    method: 'DELETE',
    url: `/api/v1/users/me/tokens/${made.id}`,
    headers: user.auth,
  });
  assert.equal(again.statusCode, 404);
  const other = await createUser(one);
  const theirs = await newToken(other, { name: 'theirs', scopes: ['read'] }, one);
  const stolen = await one.inject({
    method: 'DELETE',
    url: `/api/v1/users/me/tokens/${theirs.id}`,
    headers: user.auth,
  });
  assert.equal(stolen.statusCode, 404);
  assert.equal((await me(theirs.token, one)).statusCode, 200);
});

test('expired tokens, tokens of disabled users and made-up tokens are refused', async () => {
  const user = await createUser(app);
  const made = await newToken(user, { name: 'short', scopes: ['read'], expiresInDays: 1 });
  await app.db
    .updateTable('personal_access_tokens')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('id', '=', made.id)
    .execute();
  assert.equal((await me(made.token)).statusCode, 401);

  const admin = await createUser(app, { admin: true });
  const victim = await createUser(app);
  const theirs = await newToken(victim);
  assert.equal((await me(theirs.token)).statusCode, 200);
  const disabled = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${victim.id}`,
    headers: admin.auth,
    payload: { disabled: true },
  });
  assert.equal(disabled.statusCode, 200);
  assert.equal((await me(theirs.token)).statusCode, 401, 'refused at once once disabled');

  assert.equal((await me(`gilla_pat_${'A'.repeat(49)}`)).statusCode, 401);
  assert.equal((await me('gilla_pat_')).statusCode, 401);
  // One character changed: its check characters no longer match.
  const typo =
    made.token.slice(0, 20) + (made.token[20] === 'a' ? 'b' : 'a') + made.token.slice(21);
  assert.equal((await me(typo)).statusCode, 401);
  // Well formed (right check characters) but never issued.
  const secret = 'B'.repeat(43);
  const check = createHash('sha256').update(secret).digest('base64url').slice(0, 6);
  assert.equal((await me(`gilla_pat_${secret}${check}`)).statusCode, 401);
});

test('bad input is a clear 400 and makes no token', async () => {
  const user = await createUser(app);
  const bad: Record<string, unknown>[] = [
    { name: 'x', scopes: ['read'], expiresInDays: 0 },
    { name: 'x', scopes: ['read'], expiresInDays: 366 },
    { name: 'x', scopes: ['admin'] },
    { name: 'x', scopes: [] },
    { name: '', scopes: ['read'] },
    { scopes: ['read'] },
    { name: 'x', scopes: ['read'], extra: true },
  ];
  for (const payload of bad) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/users/me/tokens',
      headers: user.auth,
      payload,
    });
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
    assert.equal(res.json<{ code: string }>().code, 'validation_failed');
  }
  const year = await newToken(user, { name: 'year', scopes: ['read'], expiresInDays: 365 });
  assert.ok(Date.parse(year.expiresAt) > Date.now() + 364 * 86_400_000);
  const rows = await app.db
    .selectFrom('personal_access_tokens')
    .select('id')
    .where('user_id', '=', user.id)
    .execute();
  assert.equal(rows.length, 1);
});

test('a token cannot sign an approval: a signature needs a person', async () => {
  const user = await createUser(app);
  const { token } = await newToken(user, { name: 'w', scopes: ['read', 'write'] });
  const project = await createProject(app, user);
  const spec = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${project.id}/specifications`,
    headers: bearer(token),
    payload: { title: 'Made with a token' },
  });
  assert.equal(spec.statusCode, 201);
  const item = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${spec.json<{ id: string }>().id}/items`,
    headers: bearer(token),
    payload: { title: 'Signed?' },
  });
  assert.equal(item.statusCode, 201);
  const signed = await app.inject({
    method: 'POST',
    url: `/api/v1/items/${item.json<{ id: string }>().id}/approvals`,
    headers: { ...bearer(token), 'if-match': '"1"' },
    payload: { meaning: 'approved', password: user.password },
  });
  assert.equal(signed.statusCode, 403, signed.body);
  assert.equal(signed.json<{ code: string }>().code, 'insufficient_scope');
});

test('changing the password or deleting the account revokes the tokens', async () => {
  const user = await createUser(app);
  const made = await newToken(user);
  const changed = await app.inject({
    method: 'PUT',
    url: '/api/v1/users/me/password',
    headers: user.auth,
    payload: { currentPassword: user.password, newPassword: 'another-password-456' },
  });
  assert.equal(changed.statusCode, 204);
  assert.equal((await me(made.token)).statusCode, 401);

  const leaving = await createUser(app);
  const theirs = await newToken(leaving);
  assert.equal((await me(theirs.token)).statusCode, 200);
  const deleted = await app.inject({
    method: 'DELETE',
    url: '/api/v1/users/me',
    headers: leaving.auth,
    payload: { password: leaving.password },
  });
  assert.equal(deleted.statusCode, 204);
  assert.equal((await me(theirs.token)).statusCode, 401, 'refused at once, not after a minute');
});

test('a role change reaches a token at once', async () => {
  const admin = await createUser(app, { admin: true });
  const user = await createUser(app);
  const made = await newToken(user);
  const audit = (token: string) =>
    app.inject({ method: 'GET', url: '/api/v1/admin/audit', headers: bearer(token) });
  assert.equal((await audit(made.token)).statusCode, 403);
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${user.id}`,
    headers: admin.auth,
    payload: { role: 'admin' },
  });
  assert.equal((await audit(made.token)).statusCode, 200);
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${user.id}`,
    headers: admin.auth,
    payload: { role: 'user' },
  });
  assert.equal((await audit(made.token)).statusCode, 403);
});

test('a password reset revokes the account’s tokens', async () => {
  const user = await createUser(app);
  const made = await newToken(user);
  const { createOneTimeToken } = await import('../../src/auth/one-time-tokens.js');
  const reset = await createOneTimeToken(app.db, user.id, 'password_reset');
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/password/reset',
    payload: { token: reset, password: 'a-new-password-123' },
  });
  assert.equal(res.statusCode, 204);
  assert.equal((await me(made.token)).statusCode, 401);
});
