import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { createUser, uniqueEmail } from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const admin = await createUser(app, { admin: true });
const urn = 'urn:uuid:0190a000-0000-7000-8000-000000000000';
const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function assert400(res: { statusCode: number; json(): unknown }, what: string) {
  assert.equal(res.statusCode, 400, what);
  assert.equal((res.json() as { code: string }).code, 'validation_failed', what);
}

test('ids that are not plain UUIDs are 400, not a database error', async () => {
  assert400(
    await app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${urn}`,
      headers: admin.auth,
    }),
    'session',
  );
  assert400(
    await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${urn}`,
      headers: admin.auth,
      payload: { role: 'user' },
    }),
    'user',
  );
  assert400(
    await app.inject({
      method: 'PUT',
      url: '/api/v1/admin/flags/urn-test',
      headers: admin.auth,
      payload: { enabled: true, allowUsers: [urn] },
    }),
    'flag allow list',
  );
});

test('a forged cursor of the right shape but the wrong type is 400', async () => {
  for (const cursor of [forged(['x']), forged([1]), forged(['x', 'y'])]) {
    assert400(
      await app.inject({
        method: 'GET',
        url: `/api/v1/admin/users?cursor=${cursor}`,
        headers: admin.auth,
      }),
      cursor,
    );
    assert400(
      await app.inject({
        method: 'GET',
        url: `/api/v1/admin/flags/some-flag/history?cursor=${cursor}`,
        headers: admin.auth,
      }),
      cursor,
    );
  }
});

test('a NUL character that PostgreSQL cannot store is 400 and nothing is written', async () => {
  const email = uniqueEmail();
  assert400(
    await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: 'a long passphrase', name: 'Ada\u0000' },
    }),
    'register',
  );
  assert.equal(
    await app.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst(),
    undefined,
  );
  assert400(
    await app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: admin.auth,
      payload: { name: 'x\u0000y' },
    }),
    'profile',
  );
  assert400(
    await app.inject({ method: 'GET', url: '/api/v1/admin/users?email=%00', headers: admin.auth }),
    'email filter',
  );
  assert400(
    await app.inject({
      method: 'PUT',
      url: '/api/v1/admin/flags/nul-flag',
      headers: admin.auth,
      payload: { enabled: true, description: 'a\u0000b' },
    }),
    'flag description',
  );
  assert.equal(
    (await app.db.selectFrom('feature_flags').select('key').where('key', '=', 'nul-flag').execute())
      .length,
    0,
  );
});

test('prototype pollution in a JSON body is 400', async () => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    payload: '{"email":"a@example.com","password":"x","__proto__":{"role":"admin"}}',
  });
  assert400(res, '__proto__');
});

test('a malformed or over-long path is a problem+json 400 that does not echo the URL', async () => {
  const long = 'x'.repeat(500);
  for (const url of [
    '/api/v1/projects/%C0%AE',
    `/api/v1/projects/${long}`,
    `/api/v1/items/${long}/move`,
  ]) {
    const res = await app.inject({ method: 'GET', url, headers: admin.auth });
    assert.equal(res.statusCode, 400, url);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, url);
    const body = res.json<{ code: string; status: number; type: string }>();
    assert.equal(body.code, 'validation_failed', url);
    assert.equal(body.status, 400, url);
    assert.doesNotMatch(res.body, /xxxxxxxx|%C0|FST_ERR/, url);
    assert.ok(res.headers['x-request-id'], url);
    assert.equal(
      res.headers['content-security-policy'],
      "default-src 'none';frame-ancestors 'none'",
    );
  }
});
