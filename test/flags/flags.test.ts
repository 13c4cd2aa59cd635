import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { evaluateFlag, rolloutBucket } from '../../src/flags/flags.service.js';
import { openTestCache, setupTestEnv, TEST_REDIS_URL, testConfig } from '../helpers/app.js';
import { createUser, uniqueEmail } from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();

const flag = (over: Partial<Parameters<typeof evaluateFlag>[0]> = {}) => ({
  key: 'new-editor',
  enabled: true,
  rolloutPercent: 0,
  allowUsers: [] as string[],
  denyUsers: [] as string[],
  ...over,
});

test('evaluation order: disabled, deny, allow, then the stable bucket; anonymous only at 100 %', () => {
  const user = randomUUID();
  assert.equal(
    evaluateFlag(flag({ enabled: false, allowUsers: [user], rolloutPercent: 100 }), user),
    false,
  );
  assert.equal(
    evaluateFlag(flag({ denyUsers: [user], allowUsers: [user], rolloutPercent: 100 }), user),
    false,
  );
  assert.equal(evaluateFlag(flag({ allowUsers: [user] }), user), true);
  assert.equal(evaluateFlag(flag({ rolloutPercent: 100 }), user), true);
  assert.equal(evaluateFlag(flag({ rolloutPercent: 0 }), user), false);
  assert.equal(evaluateFlag(flag({ rolloutPercent: 99 }), null), false);
  assert.equal(evaluateFlag(flag({ rolloutPercent: 100 }), null), true);
});

test('a 30 % rollout lands between 25 % and 35 % over 10,000 users, and a user keeps "on" as it grows', () => {
  const users = Array.from({ length: 10_000 }, () => randomUUID());
  const on = users.filter((u) => evaluateFlag(flag({ rolloutPercent: 30 }), u));
  assert.ok(on.length >= 2500 && on.length <= 3500, `${on.length} of 10000`);
  for (const percent of [31, 50, 75, 100]) {
    assert.ok(
      on.every((u) => evaluateFlag(flag({ rolloutPercent: percent }), u)),
      `lost users at ${percent} %`,
    );
  }
  assert.equal(rolloutBucket('k', users[0]!), rolloutBucket('k', users[0]!));
});

test('admin flag endpoints: 401 anonymous, 403 for users', async () => {
  const user = await createUser(app);
  for (const [method, url] of [
    ['GET', '/api/v1/admin/flags'],
    ['PUT', '/api/v1/admin/flags/x'],
    ['DELETE', '/api/v1/admin/flags/x'],
    ['GET', '/api/v1/admin/flags/x/history'],
  ] as const) {
    const payload = method === 'PUT' ? { enabled: true } : undefined;
    assert.equal((await app.inject({ method, url, payload })).statusCode, 401, `${method} ${url}`);
    const res = await app.inject({ method, url, payload, headers: user.auth });
    assert.equal(res.statusCode, 403, `${method} ${url}`);
  }
  assert.equal(
    (await app.db.selectFrom('feature_flags').selectAll().where('key', '=', 'x').execute()).length,
    0,
  );
});

test('keys and percentages are validated (400), nothing written', async () => {
  const admin = await createUser(app, { admin: true });
  for (const key of ['Upper', 'has space', 'x'.repeat(65), 'semi;colon']) {
    const res = await app.inject({
      method: 'PUT',
      url: `/api/v1/admin/flags/${encodeURIComponent(key)}`,
      headers: admin.auth,
      payload: { enabled: true },
    });
    assert.equal(res.statusCode, 400, key);
  }
  for (const payload of [
    { enabled: true, rolloutPercent: 101 },
    { enabled: true, rolloutPercent: -1 },
    { enabled: true, rolloutPercent: 1.5 },
    { enabled: 'yes' },
    { enabled: true, allowUsers: ['not-a-uuid'] },
    { enabled: true, owner: 'me' },
  ]) {
    const res = await app.inject({
      method: 'PUT',
      url: '/api/v1/admin/flags/valid-key',
      headers: admin.auth,
      payload,
    });
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
  }
  assert.equal(
    (await app.db.selectFrom('feature_flags').selectAll().where('key', '=', 'valid-key').execute())
      .length,
    0,
  );
});

test('flags are evaluated in /config for the caller; every change is in the history', async () => {
  const admin = await createUser(app, { admin: true });
  const insider = await createUser(app);
  const put = await app.inject({
    method: 'PUT',
    url: '/api/v1/admin/flags/beta.reports',
    headers: admin.auth,
    payload: { enabled: true, description: 'Reports', rolloutPercent: 0, allowUsers: [insider.id] },
  });
  assert.equal(put.statusCode, 200);
  assert.equal(put.json().key, 'beta.reports');
  assert.equal(put.json().version, 1);
  const forInsider = await app.inject({
    method: 'GET',
    url: '/api/v1/config',
    headers: insider.auth,
  });
  assert.equal(forInsider.json().flags['beta.reports'], true);
  const anonymous = await app.inject({ method: 'GET', url: '/api/v1/config' });
  assert.equal(anonymous.statusCode, 200);
  assert.equal(anonymous.json().flags['beta.reports'], false);
  assert.equal(anonymous.json().app.registrationOpen, true);
  assert.deepEqual(anonymous.json().app.passwordRules, { minLength: 8, maxLength: 128 });
  const bad = await app.inject({
    method: 'GET',
    url: '/api/v1/config',
    headers: { authorization: 'Bearer forged.token.here' },
  });
  assert.equal(bad.statusCode, 401);

  const update = await app.inject({
    method: 'PUT',
    url: '/api/v1/admin/flags/beta.reports',
    headers: admin.auth,
    payload: { enabled: true, rolloutPercent: 100 },
  });
  assert.equal(update.json().version, 2);
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/config' })).json().flags['beta.reports'],
    true,
  );
  assert.equal(
    (
      await app.inject({
        method: 'DELETE',
        url: '/api/v1/admin/flags/beta.reports',
        headers: admin.auth,
      })
    ).statusCode,
    204,
  );
  assert.equal(
    (
      await app.inject({
        method: 'DELETE',
        url: '/api/v1/admin/flags/beta.reports',
        headers: admin.auth,
      })
    ).statusCode,
    404,
  );
  assert.equal(
    (await app.inject({ method: 'GET', url: '/api/v1/config' })).json().flags['beta.reports'],
    undefined,
  );

  const history = await app.inject({
    method: 'GET',
    url: '/api/v1/admin/flags/beta.reports/history',
    headers: admin.auth,
  });
  assert.equal(history.statusCode, 200);
  const entries = history.json().data;
  assert.deepEqual(
    entries.map((e: { action: string }) => e.action),
    ['deleted', 'updated', 'created'],
  );
  assert.ok(entries.every((e: { changedBy: string }) => e.changedBy === admin.id));
  assert.equal(entries[1].before.rolloutPercent, 0);
  assert.equal(entries[1].after.rolloutPercent, 100);
  assert.equal(await app.flags.isEnabled('beta.reports', insider.id), false);
});

test('closing registration makes POST /auth/register answer 403; reopening restores it', async () => {
  const admin = await createUser(app, { admin: true });
  const user = await createUser(app);
  assert.equal(
    (
      await app.inject({
        method: 'PATCH',
        url: '/api/v1/admin/settings',
        headers: user.auth,
        payload: { registrationOpen: false },
      })
    ).statusCode,
    403,
  );
  const close = await app.inject({
    method: 'PATCH',
    url: '/api/v1/admin/settings',
    headers: admin.auth,
    payload: { registrationOpen: false },
  });
  assert.equal(close.statusCode, 200);
  assert.deepEqual(close.json(), { registrationOpen: false });
  try {
    const email = uniqueEmail();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: 'a good long passphrase' },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'forbidden');
    assert.equal(
      await app.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst(),
      undefined,
    );
    assert.equal(
      (await app.inject({ method: 'GET', url: '/api/v1/config' })).json().app.registrationOpen,
      false,
    );
  } finally {
    await app.inject({
      method: 'PATCH',
      url: '/api/v1/admin/settings',
      headers: admin.auth,
      payload: { registrationOpen: true },
    });
  }
  assert.equal((await createUser(app)).id.length, 36);
});

test('a change through one instance is seen at once by another sharing Redis', async (t) => {
  if (!TEST_REDIS_URL) {
    t.skip('TEST_REDIS_URL not set: two instances need a shared Redis');
    return;
  }
  const config = testConfig();
  const cache = await openTestCache(config);
  t.after(() => cache.close());
  const one = await buildApp(config, { database: env.database.handle, cache });
  const two = await buildApp(testConfig({ REDIS_KEY_PREFIX: config.redis.keyPrefix }), {
    database: env.database.handle,
  });
  t.after(async () => {
    await one.close();
    await two.close();
  });
  const admin = await createUser(one, { admin: true });
  assert.equal(
    (await two.inject({ method: 'GET', url: '/api/v1/config' })).json().flags['shared-flag'],
    undefined,
  );
  await one.inject({
    method: 'PUT',
    url: '/api/v1/admin/flags/shared-flag',
    headers: admin.auth,
    payload: { enabled: true, rolloutPercent: 100 },
  });
  assert.equal(
    (await two.inject({ method: 'GET', url: '/api/v1/config' })).json().flags['shared-flag'],
    true,
  );
  await one.inject({
    method: 'PATCH',
    url: '/api/v1/admin/settings',
    headers: admin.auth,
    payload: { registrationOpen: false },
  });
  assert.equal(
    (await two.inject({ method: 'GET', url: '/api/v1/config' })).json().app.registrationOpen,
    false,
  );
  await one.inject({
    method: 'PATCH',
    url: '/api/v1/admin/settings',
    headers: admin.auth,
    payload: { registrationOpen: true },
  });
  // Logout through one instance is refused at once by the other.
  const user = await createUser(one);
  assert.equal(
    (await two.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth })).statusCode,
    200,
  );
  await one.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: user.auth });
  assert.equal(
    (await two.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth })).statusCode,
    401,
  );
});
