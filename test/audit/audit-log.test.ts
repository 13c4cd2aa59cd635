import assert from 'node:assert/strict';
import { test } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { pruneEvents } from '../../src/audit/audit.service.js';
import { setupTestEnv } from '../helpers/app.js';
import { createUser, login, uniqueEmail } from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const admin = await createUser(app, { admin: true });

interface AuditEvent {
  id: string;
  at: string;
  type: string;
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

async function audit(query: string, as = admin) {
  const res = await app.inject({
    method: 'GET',
    url: `/api/v1/admin/audit?${query}`,
    headers: as.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ data: AuditEvent[]; nextCursor: string | null }>();
}

test('sign-ins, failures and logouts are recorded with actor, IP and user agent', async () => {
  const user = await createUser(app);
  const headers = { 'user-agent': 'Audit-Test/1.0' };
  const ok = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers,
    remoteAddress: '198.51.100.23',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(ok.statusCode, 200);
  const wrong = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers,
    remoteAddress: '198.51.100.99',
    payload: { email: user.email, password: 'not-the-password' },
  });
  assert.equal(wrong.statusCode, 401);
  const nobody = uniqueEmail('nobody');
  await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: nobody, password: 'whatever-123' },
  });
  const { accessToken } = ok.json<{ accessToken: string }>();
  const out = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/logout',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  assert.equal(out.statusCode, 204);

  const mine = await audit(`actorId=${user.id}`);
  const types = mine.data.map((e) => e.type);
  assert.deepEqual(types, [
    'auth.logout',
    'auth.login.failed',
    'auth.login.succeeded',
    'user.registered',
  ]);
  const [logout, failed, succeeded] = mine.data as [AuditEvent, AuditEvent, AuditEvent];
  assert.equal(succeeded.ip, '198.51.100.23');
  assert.equal(succeeded.userAgent, 'Audit-Test/1.0');
  assert.equal(succeeded.targetId, user.id);
  assert.deepEqual(succeeded.details, { method: 'password', amr: ['pwd'] });
  assert.equal(failed.ip, '198.51.100.99');
  assert.deepEqual(failed.details, { email: user.email, reason: 'wrong_password' });
  assert.equal(logout.targetType, 'session');

  const unknown = await audit('type=auth.login.failed');
  const theirs = unknown.data.find((e) => e.details.email === nobody);
  assert.ok(theirs, 'a failure for an unknown address is recorded too');
  assert.equal(theirs.actorId, null);
  assert.equal(theirs.details.reason, 'unknown_email');
});

test('token, password, flag and user changes are recorded; no secret ever appears', async () => {
  const user = await createUser(app);
  const made = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/tokens',
    headers: user.auth,
    payload: { name: 'audit me', scopes: ['read'] },
  });
  const { id: tokenId, token } = made.json<{ id: string; token: string }>();
  await app.inject({
    method: 'GET',
    url: '/api/v1/users/me',
    headers: { authorization: `Bearer ${token}` },
  });
  await app.inject({
    method: 'DELETE',
    url: `/api/v1/users/me/tokens/${tokenId}`,
    headers: user.auth,
  });
  const newPassword = 'a-brand-new-password-1';
  const changed = await app.inject({
    method: 'PUT',
    url: '/api/v1/users/me/password',
    headers: user.auth,
    payload: { currentPassword: user.password, newPassword },
  });
  assert.equal(changed.statusCode, 204);
  await app.inject({
    method: 'PUT',
    url: '/api/v1/admin/flags/audit-flag',
    headers: admin.auth,
    payload: { enabled: true },
  });
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${user.id}`,
    headers: admin.auth,
    payload: { role: 'admin' },
  });
  // A refresh token replayed after its grace window: reuse, which ends the session.
  const refresh = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: user.refreshToken },
  });
  assert.equal(refresh.statusCode, 200);
  await app.db
    .updateTable('refresh_tokens')
    .set({ used_at: new Date(Date.now() - 60_000) })
    .where('used_at', 'is not', null)
    .execute();
  const replay = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: user.refreshToken },
  });
  assert.equal(replay.statusCode, 401);

  const created = (await audit(`type=token.created&targetId=${tokenId}`)).data;
  assert.equal(created.length, 1);
  assert.equal(created[0]?.actorId, user.id);
  assert.equal((await audit(`type=token.revoked&targetId=${tokenId}`)).data.length, 1);
  assert.equal((await audit(`type=user.password.changed&targetId=${user.id}`)).data.length, 1);
  const flag = (await audit('type=admin.flag.changed&targetId=audit-flag')).data;
  assert.equal(flag[0]?.actorId, admin.id);
  const promoted = (await audit(`type=admin.user.updated&targetId=${user.id}`)).data;
  assert.deepEqual(promoted[0]?.details, { role: 'admin', previousRole: 'user' });
  assert.equal((await audit(`type=auth.refresh.reused&actorId=${user.id}`)).data.length, 1);

  // Nothing secret anywhere in the log: passwords, tokens, refresh tokens.
  const everything = JSON.stringify(
    await app.db.selectFrom('audit_events').select(['details', 'target_id']).execute(),
  );
  for (const secret of [
    user.password,
    newPassword,
    token,
    token.slice(10),
    user.refreshToken,
    user.accessToken,
  ]) {
    assert.ok(!everything.includes(secret), 'a secret leaked into the audit log');
  }
});

test('filters and keyset paging, newest first; admins only', async () => {
  const user = await createUser(app);
  for (let i = 0; i < 5; i++) await login(app, user);
  const first = await audit(`type=auth.login.succeeded&actorId=${user.id}&limit=2`);
  assert.equal(first.data.length, 2);
  assert.ok(first.nextCursor);
  const second = await audit(
    `type=auth.login.succeeded&actorId=${user.id}&limit=2&cursor=${first.nextCursor}`,
  );
  const third = await audit(
    `type=auth.login.succeeded&actorId=${user.id}&limit=2&cursor=${second.nextCursor}`,
  );
  const ids = [...first.data, ...second.data, ...third.data].map((e) => e.id);
  assert.equal(ids.length, 5);
  assert.equal(third.nextCursor, null);
  assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first, no repeats');
  const plain = await app.inject({ method: 'GET', url: '/api/v1/admin/audit', headers: user.auth });
  assert.equal(plain.statusCode, 403);
  const anonymous = await app.inject({ method: 'GET', url: '/api/v1/admin/audit' });
  assert.equal(anonymous.statusCode, 401);
  for (const bad of ['actorId=nope', 'limit=0', 'limit=101', 'cursor=%%%', 'unknown=1']) {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/audit?${bad}`,
      headers: admin.auth,
    });
    assert.equal(res.statusCode, 400, bad);
  }
});

test('events past the retention are pruned in batches; newer ones stay', async () => {
  const old = new Date(Date.now() - 400 * 86_400_000);
  const rows = Array.from({ length: 2500 }, () => ({
    id: uuidv7(),
    at: old,
    type: 'auth.login.failed',
    details: { reason: 'pruning test' },
  }));
  await app.db.insertInto('audit_events').values(rows).execute();
  const recent = await app.db
    .selectFrom('audit_events')
    .select('id')
    .where('at', '>', new Date(Date.now() - 86_400_000))
    .execute();
  assert.equal(await pruneEvents(app.db, 365), 2500);
  const left = await app.db
    .selectFrom('audit_events')
    .select('id')
    .where('at', '<', new Date(Date.now() - 365 * 86_400_000))
    .execute();
  assert.equal(left.length, 0);
  const still = await app.db
    .selectFrom('audit_events')
    .select('id')
    .where('at', '>', new Date(Date.now() - 86_400_000))
    .execute();
  assert.ok(still.length >= recent.length);
  // AUDIT_RETENTION_DAYS starts an app that prunes once it is ready.
  await app.db
    .insertInto('audit_events')
    .values({ id: uuidv7(), at: new Date(Date.now() - 3 * 86_400_000), type: 'auth.logout' })
    .execute();
  const pruning = await env.app({ AUDIT_RETENTION_DAYS: '2' });
  for (let i = 0; i < 50; i++) {
    const n = await pruning.db
      .selectFrom('audit_events')
      .select('id')
      .where('at', '<', new Date(Date.now() - 2 * 86_400_000))
      .execute();
    if (n.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('the app did not prune on start');
});
