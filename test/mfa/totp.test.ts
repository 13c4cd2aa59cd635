import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { setupTestEnv } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import {
  codeFor,
  enableTotp,
  firstStep,
  forgetLastStep,
  secondStep,
  staleCode,
} from './helpers.js';

const env = await setupTestEnv();
const app = await env.app();

test('enrolment: a pending secret, confirmed by a first code, answers ten recovery codes once', async () => {
  const user = await createUser(app);
  const started = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/mfa/totp',
    headers: user.auth,
  });
  assert.equal(started.statusCode, 200);
  const { secret, otpauthUrl } = started.json<{ secret: string; otpauthUrl: string }>();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  const url = new URL(otpauthUrl);
  assert.equal(url.protocol, 'otpauth:');
  assert.equal(url.searchParams.get('secret'), secret);
  assert.equal(url.searchParams.get('algorithm'), 'SHA1');
  assert.equal(url.searchParams.get('digits'), '6');
  assert.equal(url.searchParams.get('period'), '30');
  assert.ok(decodeURIComponent(url.pathname).includes(user.email));

  // Pending: login still gives tokens.
  const before = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.ok(before.json<{ accessToken?: string }>().accessToken);

  const wrong = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/mfa/totp/verify',
    headers: user.auth,
    payload: { code: staleCode(secret) },
  });
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json<{ code: string }>().code, 'invalid_mfa_code');

  const verified = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/mfa/totp/verify',
    headers: user.auth,
    payload: { code: codeFor(secret) },
  });
  assert.equal(verified.statusCode, 200);
  const { recoveryCodes } = verified.json<{ recoveryCodes: string[] }>();
  assert.equal(recoveryCodes.length, 10);
  assert.equal(new Set(recoveryCodes).size, 10);
  for (const code of recoveryCodes) assert.match(code, /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);

  // At rest: the secret encrypted, the recovery codes hashed.
  const row = await app.db
    .selectFrom('totp_credentials')
    .selectAll()
    .where('user_id', '=', user.id)
    .executeTakeFirstOrThrow();
  assert.ok(!row.secret_enc.includes(secret));
  assert.ok(row.enabled_at instanceof Date);
  const stored = await app.db
    .selectFrom('recovery_codes')
    .select('code_hash')
    .where('user_id', '=', user.id)
    .execute();
  assert.equal(stored.length, 10);
  for (const { code_hash } of stored) {
    assert.ok(!recoveryCodes.some((c) => code_hash.includes(c.replace(/-/g, ''))));
  }

  // Enrolling again while on, or verifying again, is 409.
  const again = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/mfa/totp',
    headers: user.auth,
  });
  assert.equal(again.statusCode, 409);
  const reverify = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/mfa/totp/verify',
    headers: user.auth,
    payload: { code: codeFor(secret, 1) },
  });
  assert.equal(reverify.statusCode, 409);
});

test('login takes the second step; the code works once; amr says pwd and otp', async () => {
  const user = await createUser(app);
  const { secret } = await enableTotp(app, user);
  const mfaToken = await firstStep(app, user);
  // The code that confirmed the enrolment is spent: refused again.
  const replay = await secondStep(app, { mfaToken, code: codeFor(secret) });
  assert.equal(replay.statusCode, 401);
  assert.equal(replay.json<{ code: string }>().code, 'invalid_mfa_code');

  const next = codeFor(secret, 1);
  const ok = await secondStep(app, { mfaToken, code: next });
  assert.equal(ok.statusCode, 200, ok.body);
  const tokens = ok.json<{ accessToken: string; refreshToken: string; user: { id: string } }>();
  assert.equal(tokens.user.id, user.id);
  assert.deepEqual(decodeJwt(tokens.accessToken).amr, ['pwd', 'otp']);
  const me = await app.inject({
    method: 'GET',
    url: '/api/v1/users/me',
    headers: { authorization: `Bearer ${tokens.accessToken}` },
  });
  assert.equal(me.statusCode, 200);
  // A refresh keeps the amr.
  const refreshed = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: tokens.refreshToken },
  });
  assert.deepEqual(decodeJwt(refreshed.json<{ accessToken: string }>().accessToken).amr, [
    'pwd',
    'otp',
  ]);

  // The mfaToken works once.
  const reused = await secondStep(app, { mfaToken, code: next });
  assert.equal(reused.statusCode, 401);
  assert.equal(reused.json<{ code: string }>().code, 'invalid_token');
  // The same code in a new sign-in is refused: a replayed code.
  const replayed = await secondStep(app, { mfaToken: await firstStep(app, user), code: next });
  assert.equal(replayed.statusCode, 401);
  assert.equal(replayed.json<{ code: string }>().code, 'invalid_mfa_code');
});

test('a recovery code works once, with any case and spacing', async () => {
  const user = await createUser(app);
  const { recoveryCodes } = await enableTotp(app, user);
  const [first, second] = recoveryCodes as [string, string];
  const ok = await secondStep(app, {
    mfaToken: await firstStep(app, user),
    recoveryCode: ` ${first.toUpperCase().replace(/-/g, ' ')} `,
  });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(decodeJwt(ok.json<{ accessToken: string }>().accessToken).amr, ['pwd', 'otp']);
  const twice = await secondStep(app, {
    mfaToken: await firstStep(app, user),
    recoveryCode: first,
  });
  assert.equal(twice.statusCode, 401);
  assert.equal(twice.json<{ code: string }>().code, 'invalid_mfa_code');
  const other = await secondStep(app, {
    mfaToken: await firstStep(app, user),
    recoveryCode: second,
  });
  assert.equal(other.statusCode, 200);
  const used = await app.db
    .selectFrom('recovery_codes')
    .select('used_at')
    .where('user_id', '=', user.id)
    .where('used_at', 'is not', null)
    .execute();
  assert.equal(used.length, 2);
  // Another user's recovery code is no use here.
  const stranger = await createUser(app);
  const theirs = await enableTotp(app, stranger);
  const crossed = await secondStep(app, {
    mfaToken: await firstStep(app, user),
    recoveryCode: theirs.recoveryCodes[0],
  });
  assert.equal(crossed.statusCode, 401);
});

test('five wrong codes end the mfaToken; wrong codes count toward the account lockout', async () => {
  const user = await createUser(app);
  const { secret } = await enableTotp(app, user);
  const mfaToken = await firstStep(app, user);
  for (let i = 0; i < 5; i++) {
    const wrong = await secondStep(app, { mfaToken, code: staleCode(secret) });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json<{ code: string }>().code, 'invalid_mfa_code');
  }
  const late = await secondStep(app, { mfaToken, code: codeFor(secret, 1) });
  assert.equal(late.statusCode, 401);
  assert.equal(late.json<{ code: string }>().code, 'invalid_token', 'the challenge has ended');
  // Five more wrong codes on a new challenge: ten failures lock the account, password or not.
  const again = await firstStep(app, user);
  for (let i = 0; i < 5; i++) await secondStep(app, { mfaToken: again, code: staleCode(secret) });
  const locked = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(locked.statusCode, 429);
  const failed = await app.db
    .selectFrom('audit_events')
    .select('type')
    .where('type', '=', 'auth.mfa.failed')
    .where('actor_id', '=', user.id)
    .execute();
  assert.equal(failed.length, 10, 'every wrong code is in the audit log');
});

test('an expired mfaToken, a made-up one and bad bodies are refused', async () => {
  const user = await createUser(app);
  const { secret } = await enableTotp(app, user);
  const mfaToken = await firstStep(app, user);
  await app.db
    .updateTable('mfa_challenges')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('user_id', '=', user.id)
    .execute();
  const expired = await secondStep(app, { mfaToken, code: codeFor(secret, 1) });
  assert.equal(expired.statusCode, 401);
  assert.equal(expired.json<{ code: string }>().code, 'invalid_token');
  assert.equal((await secondStep(app, { mfaToken: 'made-up', code: '123456' })).statusCode, 401);
  for (const payload of [
    { mfaToken },
    { mfaToken, code: '12345' },
    { mfaToken, code: 'abcdef' },
    { mfaToken, code: '123456', recoveryCode: 'x' },
    { code: '123456' },
  ]) {
    const res = await secondStep(app, payload);
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
  }
});

test('turning TOTP off needs a current code or a recovery code; then login is one step again', async () => {
  const user = await createUser(app);
  const { secret, recoveryCodes } = await enableTotp(app, user);
  const wrong = await app.inject({
    method: 'DELETE',
    url: '/api/v1/users/me/mfa/totp',
    headers: user.auth,
    payload: { code: staleCode(secret) },
  });
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json<{ code: string }>().code, 'invalid_mfa_code');
  const counted = await app.db
    .selectFrom('audit_events')
    .select('details')
    .where('type', '=', 'auth.mfa.failed')
    .where('actor_id', '=', user.id)
    .execute();
  assert.deepEqual(
    counted.map((e) => e.details),
    [{ action: 'disable_totp' }],
    'a wrong code is recorded (and counts toward the lockout)',
  );
  const off = await app.inject({
    method: 'DELETE',
    url: '/api/v1/users/me/mfa/totp',
    headers: user.auth,
    payload: { recoveryCode: recoveryCodes[3] },
  });
  assert.equal(off.statusCode, 204);
  const rows = await app.db
    .selectFrom('recovery_codes')
    .select('code_hash')
    .where('user_id', '=', user.id)
    .execute();
  assert.equal(rows.length, 0, 'the recovery codes went with it');
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.deepEqual(decodeJwt(login.json<{ accessToken: string }>().accessToken).amr, ['pwd']);
  const none = await app.inject({
    method: 'DELETE',
    url: '/api/v1/users/me/mfa/totp',
    headers: user.auth,
    payload: { code: codeFor(secret) },
  });
  assert.equal(none.statusCode, 404);
  // On again with a fresh secret, off with a current code.
  const next = await enableTotp(app, user);
  await forgetLastStep(app, user.id);
  const offByCode = await app.inject({
    method: 'DELETE',
    url: '/api/v1/users/me/mfa/totp',
    headers: user.auth,
    payload: { code: codeFor(next.secret) },
  });
  assert.equal(offByCode.statusCode, 204);
});

test('an admin resets a user’s MFA (a lost phone); the audit log records it', async () => {
  const admin = await createUser(app, { admin: true });
  const user = await createUser(app);
  await enableTotp(app, user);
  await firstStep(app, user);
  const plain = await createUser(app);
  const notAdmin = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${user.id}`,
    headers: plain.auth,
    payload: { resetMfa: true },
  });
  assert.equal(notAdmin.statusCode, 403);
  // Not with a token, and not one's own (that takes a code).
  const adminToken = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/tokens',
    headers: admin.auth,
    payload: { name: 'admin script', scopes: ['read', 'write'] },
  });
  const byToken = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${user.id}`,
    headers: { authorization: `Bearer ${adminToken.json<{ token: string }>().token}` },
    payload: { resetMfa: true },
  });
  assert.equal(byToken.statusCode, 403);
  assert.equal(byToken.json<{ code: string }>().code, 'insufficient_scope');
  const own = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${admin.id}`,
    headers: admin.auth,
    payload: { resetMfa: true },
  });
  assert.equal(own.statusCode, 403);
  await firstStep(app, user);
  const reset = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${user.id}`,
    headers: admin.auth,
    payload: { resetMfa: true },
  });
  assert.equal(reset.statusCode, 200, reset.body);
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.ok(login.json<{ accessToken?: string }>().accessToken, 'one step again');
  const events = await app.db
    .selectFrom('audit_events')
    .select(['type', 'actor_id', 'target_id', 'details'])
    .where('target_id', '=', user.id)
    .where('type', 'in', ['user.mfa.disabled', 'admin.user.updated'])
    .orderBy('id')
    .execute();
  assert.deepEqual(
    events.map((e) => [e.type, e.actor_id]),
    [
      ['user.mfa.disabled', admin.id],
      ['admin.user.updated', admin.id],
    ],
  );
  assert.deepEqual(events[1]?.details, { resetMfa: true, mfaWasOn: true });
});

test('GET /users/me/mfa/totp says whether TOTP is on, not while pending, and never to a token', async () => {
  const user = await createUser(app);
  const state = async () => {
    const res = await app.inject({ url: '/api/v1/users/me/mfa/totp', headers: user.auth });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ enabled: boolean; enabledAt: string | null }>();
  };
  assert.deepEqual(await state(), { enabled: false, enabledAt: null });
  const pending = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/mfa/totp',
    headers: user.auth,
  });
  assert.equal(pending.statusCode, 200);
  assert.deepEqual(await state(), { enabled: false, enabledAt: null }, 'pending is not on');
  await enableTotp(app, user);
  const on = await state();
  assert.equal(on.enabled, true);
  assert.ok(Date.now() - Date.parse(on.enabledAt!) < 60_000, 'enabledAt is the confirmation');

  const made = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/tokens',
    headers: user.auth,
    payload: { name: 'ci', scopes: ['read'] },
  });
  const res = await app.inject({
    url: '/api/v1/users/me/mfa/totp',
    headers: { authorization: `Bearer ${made.json<{ token: string }>().token}` },
  });
  assert.equal(res.statusCode, 403);
  assert.equal(res.json<{ code: string }>().code, 'insufficient_scope');
  const anonymous = await app.inject({ url: '/api/v1/users/me/mfa/totp' });
  assert.equal(anonymous.statusCode, 401);
});
