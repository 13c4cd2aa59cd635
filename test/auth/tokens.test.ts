import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT, base64url, decodeJwt } from 'jose';
import { createHash, createSecretKey } from 'node:crypto';
import { setupTestEnv, TEST_SECRETS } from '../helpers/app.js';
import { createUser, login } from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const secret = createSecretKey(Buffer.from(TEST_SECRETS.JWT_SECRET_KEY));
const kid = createHash('sha256').update(TEST_SECRETS.JWT_SECRET_KEY).digest('hex').slice(0, 16);

async function me(token: string) {
  return app.inject({
    method: 'GET',
    url: '/api/v1/users/me',
    headers: { authorization: `Bearer ${token}` },
  });
}

function assert401(res: Awaited<ReturnType<typeof me>>, code = 'invalid_token') {
  assert.equal(res.statusCode, 401, res.body);
  assert.equal(res.json().code, code);
  assert.match(String(res.headers['www-authenticate']), /^Bearer/);
}

async function forge(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key = secret,
) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid, ...header }).sign(key);
}

function unsigned(header: object, payload: object) {
  return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.`;
}

test('a valid token reads /users/me; no token or a malformed header is 401 with WWW-Authenticate', async () => {
  const user = await createUser(app);
  const ok = await me(user.accessToken);
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().id, user.id);
  assert401(await app.inject({ method: 'GET', url: '/api/v1/users/me' }));
  assert401(
    await app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: { authorization: `Basic ${user.accessToken}` },
    }),
  );
  assert401(await me('not.a.jwt'));
});

test('a payload edited under its old signature is refused', async () => {
  const user = await createUser(app);
  const other = await createUser(app);
  // Used once first: a token that verified is remembered, and an edited copy must not match it.
  assert.equal((await me(user.accessToken)).statusCode, 200);
  const [h, , s] = user.accessToken.split('.');
  const payload = { ...decodeJwt(user.accessToken), sub: other.id };
  assert401(await me(`${h}.${base64url.encode(JSON.stringify(payload))}.${s}`));
  assert401(await me(`${user.accessToken}x`));
  assert401(await me(user.accessToken.slice(0, -1)));
});

test('a token that verified before is refused once it has expired', async (t) => {
  const user = await createUser(app);
  assert.equal((await me(user.accessToken)).statusCode, 200);
  const { exp } = decodeJwt(user.accessToken);
  t.mock.timers.enable({ apis: ['Date'], now: (exp ?? 0) * 1000 + 6_000 }); // past the 5 s leeway
  assert401(await me(user.accessToken), 'token_expired');
});

test('a token has one spelling: base64url padding or stray trailing bits are refused', async () => {
  const user = await createUser(app);
  const [h, p, sig] = user.accessToken.split('.') as [string, string, string];
  // The HS256 signature is 32 bytes: 43 characters whose last carries 2 unused bits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(sig.at(-1)!);
  const strayBits = `${sig.slice(0, -1)}${alphabet[last ^ 1]}`;
  assert.deepEqual(Buffer.from(strayBits, 'base64url'), Buffer.from(sig, 'base64url'));
  const spellings = [
    `${h}.${p}.${sig}=`,
    `${h}.${p}.${sig}==`,
    `${h}=.${p}.${sig}`,
    `${h}.${p}==.${sig}`,
    `${h}.${p}.${strayBits}`,
  ];
  // Before and after the canonical token has been used (and remembered as verified).
  for (const token of spellings) assert401(await me(token));
  assert.equal((await me(user.accessToken)).statusCode, 200);
  for (const token of spellings) assert401(await me(token));
});

test('alg none in any casing is refused', async () => {
  const user = await createUser(app);
  const payload = decodeJwt(user.accessToken);
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    assert401(await me(unsigned({ alg, typ: 'JWT', kid }, payload)));
  }
});

test('HS256 with the wrong key, other algorithms, and kid tricks are refused', async () => {
  const user = await createUser(app);
  const claims = decodeJwt(user.accessToken);
  const wrongKey = createSecretKey(Buffer.from('a-guessed-secret-that-is-long-enough!!'));
  assert401(await me(await forge(claims, {}, wrongKey)));
  assert401(
    await me(
      await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS512', kid })
        .sign(createSecretKey(Buffer.from(TEST_SECRETS.JWT_SECRET_KEY.repeat(2)))),
    ),
  );
  // A kid names one of our keys or nothing: even signed with the right secret, others fail.
  assert401(await me(await forge(claims, { kid: '../../etc/passwd' })));
  assert401(await me(await forge(claims, { kid: `${kid}/../${kid}` })));
  assert401(await me(await forge(claims, { kid: undefined })));
  assert401(await me(await forge(claims, { kid: "' or 1=1 --" })));
});

test('expired, not-yet-valid, wrong iss and wrong aud are refused', async () => {
  const user = await createUser(app);
  const claims = decodeJwt(user.accessToken);
  const now = Math.floor(Date.now() / 1000);
  assert401(await me(await forge({ ...claims, iat: now - 3600, exp: now - 60 })), 'token_expired');
  assert401(await me(await forge({ ...claims, nbf: now + 3600 })));
  assert401(await me(await forge({ ...claims, iat: now + 3600, exp: now + 7200 })));
  assert401(await me(await forge({ ...claims, iss: 'https://evil.example' })));
  assert401(await me(await forge({ ...claims, aud: 'another-service' })));
  const { sid: _sid, ...noSid } = claims;
  assert401(await me(await forge(noSid)));
  // The same claims freshly signed with our key pass: the refusals above are about the edits.
  assert.equal((await me(await forge(claims))).statusCode, 200);
});

test('JWT_SECRET_KEY_PREVIOUS still verifies during a rotation', async () => {
  const user = await createUser(app);
  const rotated = await env.app({
    JWT_SECRET_KEY: 'the-new-secret-key-0123456789abcdefghij',
    JWT_SECRET_KEY_PREVIOUS: TEST_SECRETS.JWT_SECRET_KEY,
  });
  const res = await rotated.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth });
  assert.equal(res.statusCode, 200);
  const withoutPrevious = await env.app({
    JWT_SECRET_KEY: 'the-new-secret-key-0123456789abcdefghij',
  });
  assert.equal(
    (await withoutPrevious.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth }))
      .statusCode,
    401,
  );
});

test('refresh rotates: the new pair works, the old refresh token replayed revokes the session', async () => {
  const user = await createUser(app);
  const first = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: user.refreshToken },
  });
  assert.equal(first.statusCode, 200);
  const pair = first.json();
  assert.notEqual(pair.refreshToken, user.refreshToken);
  assert.equal((await me(pair.accessToken)).statusCode, 200);
  // Racing tab within the grace window: gets the same new refresh token, no logout.
  const raced = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: user.refreshToken },
  });
  assert.equal(raced.statusCode, 200);
  assert.equal(raced.json().refreshToken, pair.refreshToken);
  // After the grace window, the old token is reuse: 401 and the whole session ends.
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
  assert.equal(replay.json().code, 'invalid_token');
  assert401(await me(pair.accessToken));
  const next = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: pair.refreshToken },
  });
  assert.equal(next.statusCode, 401);
});

test('two refreshes racing concurrently with one token both succeed with the same pair', async () => {
  const user = await createUser(app);
  const [a, b] = await Promise.all([
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: user.refreshToken },
    }),
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: user.refreshToken },
    }),
  ]);
  assert.equal(a.statusCode, 200);
  assert.equal(b.statusCode, 200);
  assert.equal(a.json().refreshToken, b.json().refreshToken);
});

test('the encrypted successor of a rotated token is cleared once the race window has passed', async () => {
  const user = await createUser(app);
  const first = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: user.refreshToken },
  });
  const firstHash = createHash('sha256').update(user.refreshToken).digest('base64url');
  const kept = await app.db
    .selectFrom('refresh_tokens')
    .select('successor_enc')
    .where('token_hash', '=', firstHash)
    .executeTakeFirstOrThrow();
  assert.notEqual(kept.successor_enc, null);
  await app.db
    .updateTable('refresh_tokens')
    .set({ used_at: new Date(Date.now() - 60_000) })
    .where('token_hash', '=', firstHash)
    .execute();
  const second = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: first.json().refreshToken },
  });
  assert.equal(second.statusCode, 200);
  const cleared = await app.db
    .selectFrom('refresh_tokens')
    .select('successor_enc')
    .where('token_hash', '=', firstHash)
    .executeTakeFirstOrThrow();
  assert.equal(cleared.successor_enc, null);
});

test('refresh tokens are stored only as hashes', async () => {
  const user = await createUser(app);
  const rows = await app.db.selectFrom('refresh_tokens').selectAll().execute();
  assert.ok(rows.length > 0);
  assert.ok(rows.every((r) => r.token_hash !== user.refreshToken));
  assert.equal(
    rows.filter(
      (r) => r.token_hash === createHash('sha256').update(user.refreshToken).digest('base64url'),
    ).length,
    1,
  );
});

test('logout ends this session at once: its access and refresh tokens stop working', async () => {
  const user = await createUser(app);
  const second = await login(app, user);
  assert.equal((await me(user.accessToken)).statusCode, 200);
  const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: user.auth });
  assert.equal(out.statusCode, 204);
  assert401(await me(user.accessToken));
  const refresh = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: user.refreshToken },
  });
  assert.equal(refresh.statusCode, 401);
  assert.equal((await me(second.accessToken)).statusCode, 200, 'the other session lives on');
});

test('logout-all ends every session', async () => {
  const user = await createUser(app);
  const second = await login(app, user);
  assert.equal(
    (await app.inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers: second.auth }))
      .statusCode,
    204,
  );
  assert401(await me(user.accessToken));
  assert401(await me(second.accessToken));
});

test('sessions: listed with current flag; deleting one ends it; another user’s is 404', async () => {
  const user = await createUser(app);
  const second = await login(app, user);
  const list = await app.inject({
    method: 'GET',
    url: '/api/v1/auth/sessions',
    headers: { ...user.auth, 'user-agent': 'tests' },
  });
  assert.equal(list.statusCode, 200);
  const data = list.json().data;
  assert.equal(data.length, 2);
  assert.equal(data.filter((s: { current: boolean }) => s.current).length, 1);
  for (const s of data)
    for (const k of ['id', 'createdAt', 'lastUsedAt', 'userAgent', 'ip', 'current'])
      assert.ok(k in s);
  const secondId = decodeJwt(second.accessToken).sid as string;
  const stranger = await createUser(app);
  const denied = await app.inject({
    method: 'DELETE',
    url: `/api/v1/auth/sessions/${secondId}`,
    headers: stranger.auth,
  });
  assert.equal(denied.statusCode, 404);
  assert.equal((await me(second.accessToken)).statusCode, 200);
  const del = await app.inject({
    method: 'DELETE',
    url: `/api/v1/auth/sessions/${secondId}`,
    headers: user.auth,
  });
  assert.equal(del.statusCode, 204);
  assert401(await me(second.accessToken));
  const badId = await app.inject({
    method: 'DELETE',
    url: '/api/v1/auth/sessions/not-a-uuid',
    headers: user.auth,
  });
  assert.equal(badId.statusCode, 400);
});

test('a token of a deleted or disabled user is refused', async () => {
  const deleted = await createUser(app);
  await app.db.deleteFrom('users').where('id', '=', deleted.id).execute();
  assert401(await me(deleted.accessToken));
  const admin = await createUser(app, { admin: true });
  const disabled = await createUser(app);
  const res = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${disabled.id}`,
    headers: admin.auth,
    payload: { disabled: true },
  });
  assert.equal(res.statusCode, 200);
  assert401(await me(disabled.accessToken));
  const refresh = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: disabled.refreshToken },
  });
  assert.equal(refresh.statusCode, 401);
});

test('refresh: malformed tokens are 400, unknown ones 401', async () => {
  for (const refreshToken of ['', 'short', 'has spaces in it and is long', 'x'.repeat(300)]) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken },
    });
    assert.equal(res.statusCode, 400, refreshToken);
  }
  const unknown = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: 'A'.repeat(43) },
  });
  assert.equal(unknown.statusCode, 401);
});

test('every authenticated route refuses a token whose session ended, or whose sid is another user’s', async () => {
  const alice = await createUser(app);
  const bob = await createUser(app);
  const routes = ['/api/v1/users/me', '/api/v1/auth/sessions', '/api/v1/projects'];
  const call = (url: string, token: string) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  for (const url of routes) assert.equal((await call(url, alice.accessToken)).statusCode, 200);

  // Alice's subject with Bob's session, signed with our key: the session is not hers.
  const mixed = await forge({
    ...decodeJwt(alice.accessToken),
    sid: decodeJwt(bob.accessToken).sid,
  });
  for (const url of routes) assert401(await call(url, mixed));

  // A session ends at its expiry, even while its access token is valid and its entry cached.
  const carol = await createUser(app);
  const expiresAt = Date.now() + 4000;
  await app.db
    .updateTable('sessions')
    .set({ expires_at: new Date(expiresAt) })
    .where('user_id', '=', carol.id)
    .execute();
  for (const url of routes) assert.equal((await call(url, carol.accessToken)).statusCode, 200);
  await new Promise((resolve) => setTimeout(resolve, expiresAt + 500 - Date.now()));
  for (const url of routes) assert401(await call(url, carol.accessToken));

  await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: alice.auth });
  for (const url of routes) assert401(await call(url, alice.accessToken));
});
