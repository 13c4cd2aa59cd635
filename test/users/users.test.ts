import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { createUser, login } from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();

test('PATCH /users/me changes name and avatar; role, email, id are not writable (400, unchanged)', async () => {
  const user = await createUser(app);
  const ok = await app.inject({
    method: 'PATCH',
    url: '/api/v1/users/me',
    headers: user.auth,
    payload: { name: 'Grace', avatarUrl: 'https://img.example/a.png' },
  });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().name, 'Grace');
  assert.equal(ok.json().avatarUrl, 'https://img.example/a.png');
  for (const payload of [
    { role: 'admin' },
    { email: 'x@example.com' },
    { id: user.id },
    { name: 'ok', role: 'admin' },
    { avatarUrl: 'javascript:alert(1)' },
    { name: 7 },
  ]) {
    const res = await app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: user.auth,
      payload,
    });
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
  }
  const row = await app.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', user.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.role, 'user');
  assert.equal(row.email, user.email);
  assert.equal(row.name, 'Grace');
});

test('PUT /users/me/password: wrong current is 400; success ends other sessions, keeps this one', async () => {
  const user = await createUser(app);
  const other = await login(app, user);
  const wrong = await app.inject({
    method: 'PUT',
    url: '/api/v1/users/me/password',
    headers: user.auth,
    payload: { currentPassword: 'nope nope', newPassword: 'a new good passphrase' },
  });
  assert.equal(wrong.statusCode, 400);
  const common = await app.inject({
    method: 'PUT',
    url: '/api/v1/users/me/password',
    headers: user.auth,
    payload: { currentPassword: user.password, newPassword: 'password1' },
  });
  assert.equal(common.statusCode, 400);
  const res = await app.inject({
    method: 'PUT',
    url: '/api/v1/users/me/password',
    headers: user.auth,
    payload: { currentPassword: user.password, newPassword: 'a new good passphrase' },
  });
  assert.equal(res.statusCode, 204);
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth })).statusCode,
    200,
  );
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: other.auth })).statusCode,
    401,
  );
  const relogin = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: 'a new good passphrase' },
  });
  assert.equal(relogin.statusCode, 200);
});

test('DELETE /users/me: needs the password; afterwards the account and its sessions are gone', async () => {
  const user = await createUser(app);
  const wrong = await app.inject({
    method: 'DELETE',
    url: '/api/v1/users/me',
    headers: user.auth,
    payload: { password: 'wrong password' },
  });
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json().code, 'invalid_credentials');
  const res = await app.inject({
    method: 'DELETE',
    url: '/api/v1/users/me',
    headers: user.auth,
    payload: { password: user.password },
  });
  assert.equal(res.statusCode, 204);
  assert.equal(
    await app.db.selectFrom('users').select('id').where('id', '=', user.id).executeTakeFirst(),
    undefined,
  );
  assert.equal(
    (await app.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute())
      .length,
    0,
  );
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth })).statusCode,
    401,
  );
});

test('admin endpoints: 401 anonymous, 403 for users', async () => {
  const user = await createUser(app);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/admin/users' })).statusCode, 401);
  const res = await app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: user.auth });
  assert.equal(res.statusCode, 403);
  assert.equal(res.json().code, 'forbidden');
  const patch = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${user.id}`,
    headers: user.auth,
    payload: { role: 'admin' },
  });
  assert.equal(patch.statusCode, 403);
  const row = await app.db
    .selectFrom('users')
    .select('role')
    .where('id', '=', user.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.role, 'user');
});

test('admin: users are paged by cursor, every user exactly once, and filtered by e-mail', async () => {
  const admin = await createUser(app, { admin: true });
  const tag = `page${Date.now()}`;
  for (let i = 0; i < 5; i++) await createUser(app, { email: `${tag}-${i}@example.com` });
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/v1/admin/users?limit=2&email=${tag}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await app.inject({ method: 'GET', url, headers: admin.auth });
    assert.equal(res.statusCode, 200);
    const page = res.json();
    assert.ok(page.data.length <= 2);
    seen.push(...page.data.map((u: { email: string }) => u.email));
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(
    seen.sort(),
    [0, 1, 2, 3, 4].map((i) => `${tag}-${i}@example.com`),
  );
  const bad = await app.inject({
    method: 'GET',
    url: '/api/v1/admin/users?cursor=garbage',
    headers: admin.auth,
  });
  assert.equal(bad.statusCode, 400);
  const tooMany = await app.inject({
    method: 'GET',
    url: '/api/v1/admin/users?limit=101',
    headers: admin.auth,
  });
  assert.equal(tooMany.statusCode, 400);
});

test('admin: promote takes effect at once; disabling ends the sessions; unknown id is 404', async () => {
  const admin = await createUser(app, { admin: true });
  const user = await createUser(app);
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: user.auth }))
      .statusCode,
    403,
  );
  const promote = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${user.id}`,
    headers: admin.auth,
    payload: { role: 'admin' },
  });
  assert.equal(promote.statusCode, 200);
  assert.equal(promote.json().role, 'admin');
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: user.auth }))
      .statusCode,
    200,
  );
  const disable = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${user.id}`,
    headers: admin.auth,
    payload: { disabled: true },
  });
  assert.equal(disable.statusCode, 200);
  assert.equal(disable.json().disabled, true);
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth })).statusCode,
    401,
  );
  const missing = await app.inject({
    method: 'PATCH',
    url: '/api/v1/admin/users/0190a000-0000-7000-8000-000000000000',
    headers: admin.auth,
    payload: { role: 'user' },
  });
  assert.equal(missing.statusCode, 404);
  const empty = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${user.id}`,
    headers: admin.auth,
    payload: {},
  });
  assert.equal(empty.statusCode, 400);
});

test('admin: the last admin cannot demote or disable themself (409)', async () => {
  // Make this admin the only active one.
  await app.db.updateTable('users').set({ role: 'user' }).where('role', '=', 'admin').execute();
  const admin = await createUser(app, { admin: true });
  for (const payload of [{ role: 'user' }, { disabled: true }]) {
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${admin.id}`,
      headers: admin.auth,
      payload,
    });
    assert.equal(res.statusCode, 409, JSON.stringify(payload));
  }
  const row = await app.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', admin.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.role, 'admin');
  assert.equal(row.disabled_at, null);
  const second = await createUser(app, { admin: true });
  const ok = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${admin.id}`,
    headers: admin.auth,
    payload: { role: 'user' },
  });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().role, 'user');
  // The other admin is now the last one, and is held to the same rule.
  const last = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${second.id}`,
    headers: second.auth,
    payload: { disabled: true },
  });
  assert.equal(last.statusCode, 409);
});

test('admin: a demotion wins over a stale cache fill that lands after it', async () => {
  const admin = await createUser(app, { admin: true });
  const target = await createUser(app, { admin: true });
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: target.auth }))
      .statusCode,
    200,
  );
  const demote = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${target.id}`,
    headers: admin.auth,
    payload: { role: 'user' },
  });
  assert.equal(demote.statusCode, 200);
  // A request that read "admin" from the database just before the change fills the cache late.
  const sid = JSON.parse(Buffer.from(target.accessToken.split('.')[1]!, 'base64url').toString())
    .sid as string;
  await app.cache.add(`sess:${sid}`, `${target.id} admin`, 60);
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: target.auth }))
      .statusCode,
    403,
  );
});

test('admin: two admins demoting each other at once cannot leave none', async () => {
  await app.db.updateTable('users').set({ role: 'user' }).where('role', '=', 'admin').execute();
  const a = await createUser(app, { admin: true });
  const b = await createUser(app, { admin: true });
  const results = await Promise.all([
    app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${b.id}`,
      headers: a.auth,
      payload: { role: 'user' },
    }),
    app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${a.id}`,
      headers: b.auth,
      payload: { role: 'user' },
    }),
  ]);
  // One wins; the other is refused: 409 (last admin) or 403 (already demoted by the winner).
  const codes = results.map((r) => r.statusCode).sort();
  assert.equal(codes[0], 200, codes.join(', '));
  assert.ok(codes[1] === 403 || codes[1] === 409, codes.join(', '));
  const admins = await app.db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .execute();
  assert.equal(admins.length, 1);
});
