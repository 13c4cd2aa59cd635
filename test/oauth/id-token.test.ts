import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decodeJwt, generateKeyPair } from 'jose';
import { createOneTimeToken } from '../../src/auth/one-time-tokens.js';
import { markEmailVerified } from '../../src/users/users.repository.js';
import { setupTestEnv } from '../helpers/app.js';
import { createUser, uniqueEmail } from '../helpers/factories.js';
import { startIdentityProvider } from '../helpers/identity-provider.js';

// The provider stands in for Google: GOOGLE_ISSUER points at it, and the app accepts ID tokens
// minted for either of two client ids (a web and an Android client, as with Google Sign-In).
const env = await setupTestEnv();
const google = await startIdentityProvider({
  clients: () => [
    {
      client_id: 'web-client',
      client_secret: 'web-client-secret-0123456789',
      redirect_uris: ['http://gilla.test/api/v1/auth/oauth/google/callback'],
    },
  ],
  claimsInIdToken: true,
});
const stranger = await startIdentityProvider({ clients: () => [] });
after(() => Promise.all([google.close(), stranger.close()]));
const app = await env.app({
  GOOGLE_ISSUER: google.issuer,
  GOOGLE_CLIENT_IDS: 'web-client,android-client',
  GOOGLE_CLIENT_SECRET: 'web-client-secret-0123456789',
});

const now = () => Math.floor(Date.now() / 1000);

/** Claims of a fresh, valid Google-like ID token. */
function claims(overrides: Record<string, unknown> = {}) {
  const email = uniqueEmail('g');
  return {
    iss: google.issuer,
    aud: 'web-client',
    sub: `g-${email}`,
    email,
    email_verified: true,
    // A Workspace account of example.com: Google vouches for the address.
    hd: 'example.com',
    name: 'Gee User',
    picture: 'https://example.com/me.png',
    iat: now(),
    exp: now() + 600,
    ...overrides,
  };
}

function signIn(payload: Record<string, unknown>, provider = 'google') {
  return app.inject({ method: 'POST', url: `/api/v1/auth/oauth/${provider}/token`, payload });
}

async function refused(
  idToken: string,
  code = 'invalid_token',
  extra: Record<string, unknown> = {},
) {
  const res = await signIn({ idToken, ...extra });
  assert.equal(res.statusCode, 401, res.body);
  assert.equal(res.json<{ code: string }>().code, code);
  assert.match(String(res.headers['content-type']), /application\/problem\+json/);
  // The ID token is not the caller's bearer token: no challenge that would send a client to
  // refresh its own access token.
  assert.equal(res.headers['www-authenticate'], undefined);
}

test('a valid ID token signs in: the user is made once, then found by (provider, subject)', async () => {
  const c = claims();
  const res = await signIn({ idToken: await google.mintIdToken(c) });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<{
    accessToken: string;
    refreshToken: string;
    user: {
      id: string;
      email: string;
      emailVerified: boolean;
      avatarUrl: string;
      providers: string[];
    };
  }>();
  assert.equal(body.user.email, c.email);
  assert.equal(body.user.emailVerified, true);
  assert.equal(body.user.avatarUrl, c.picture);
  assert.deepEqual(body.user.providers, ['google']);
  const me = await app.inject({
    url: '/api/v1/users/me',
    headers: { authorization: `Bearer ${body.accessToken}` },
  });
  assert.equal(me.statusCode, 200);

  // Same subject, another e-mail at the provider: still the same account.
  const again = await signIn({
    idToken: await google.mintIdToken({ ...c, email: uniqueEmail('changed') }),
  });
  assert.equal(again.json<{ user: { id: string } }>().user.id, body.user.id);
  const identities = await app.db
    .selectFrom('user_identities')
    .selectAll()
    .where('user_id', '=', body.user.id)
    .execute();
  assert.equal(identities.length, 1);
  assert.equal(identities[0]?.subject, c.sub);
});

test('any of the configured client ids is an accepted audience', async () => {
  const res = await signIn({
    idToken: await google.mintIdToken(claims({ aud: 'android-client' })),
  });
  assert.equal(res.statusCode, 200, res.body);
});

test('an ID token for another audience is refused', async () => {
  await refused(await google.mintIdToken(claims({ aud: 'someone-elses-app' })));
});

test('an ID token from another issuer is refused, with its own key or with the right one', async () => {
  await refused(await stranger.mintIdToken(claims({ iss: stranger.issuer })));
  await refused(await google.mintIdToken(claims({ iss: stranger.issuer })));
  // Right issuer claimed, signed by a key the provider does not publish.
  await refused(await stranger.mintIdToken(claims()));
});

test('an expired ID token is refused (beyond a minute of clock skew)', async () => {
  await refused(
    await google.mintIdToken(claims({ iat: now() - 3600, exp: now() - 120 })),
    'token_expired',
  );
  const skewed = await signIn({
    idToken: await google.mintIdToken(claims({ iat: now() - 3600, exp: now() - 10 })),
  });
  assert.equal(skewed.statusCode, 200, skewed.body);
});

test('HS256 with a guessed key, alg none and garbage are refused', async () => {
  for (const secret of ['web-client-secret-0123456789', 'secret', '']) {
    await refused(
      await google.mintIdToken(claims(), {
        alg: 'HS256',
        key: new TextEncoder().encode(secret || 'x'),
      }),
    );
  }
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims())).toString('base64url');
  await refused(`${header}.${payload}.`);
  await refused('not-a-token');
  // An RS256 token whose key id is unknown (after refetching the key set) is refused too.
  const { privateKey } = await generateKeyPair('RS256');
  await refused(await google.mintIdToken(claims(), { key: privateKey, kid: 'rotated-away' }));
});

test('the nonce must match when the token carries one', async () => {
  const token = await google.mintIdToken(claims({ nonce: 'n-123' }));
  await refused(token, 'invalid_token', { nonce: 'n-456' });
  await refused(token);
  const res = await signIn({ idToken: token, nonce: 'n-123' });
  assert.equal(res.statusCode, 200, res.body);
  const noNonce = await google.mintIdToken(claims());
  await refused(noNonce, 'invalid_token', { nonce: 'n-123' });
});

test('an unverified provider e-mail does not take over an existing account', async () => {
  const owner = await createUser(app);
  await markEmailVerified(app.db, owner.id);
  const res = await signIn({
    idToken: await google.mintIdToken(claims({ email: owner.email, email_verified: false })),
  });
  assert.equal(res.statusCode, 409);
  assert.equal(res.json<{ code: string }>().code, 'conflict');
  const linked = await app.db
    .selectFrom('user_identities')
    .select('id')
    .where('user_id', '=', owner.id)
    .execute();
  assert.equal(linked.length, 0);

  const verified = await signIn({
    idToken: await google.mintIdToken(claims({ email: owner.email, email_verified: true })),
  });
  assert.equal(verified.statusCode, 200);
  assert.equal(verified.json<{ user: { id: string } }>().user.id, owner.id);
});

test('a new user whose provider e-mail is unverified gets a verification mail', async () => {
  const c = claims({ email_verified: false });
  const res = await signIn({ idToken: await google.mintIdToken(c) });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json<{ user: { emailVerified: boolean } }>().user.emailVerified, false);
  const mail = await app.db
    .selectFrom('mail_outbox')
    .select('recipient')
    .where('recipient', '=', c.email)
    .execute();
  assert.equal(mail.length, 1);
});

test('bad bodies are 400, never 5xx', async () => {
  for (const payload of [{}, { idToken: '' }, { idToken: 'a.b.c', extra: 1 }, { idToken: 5 }]) {
    const res = await signIn(payload);
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
  }
  const big = await signIn({ idToken: 'a'.repeat(20_000) });
  assert.equal(big.statusCode, 400);
});

test('first sign-ins of one person at once make one user, however they interleave', async () => {
  // Several rounds, verified and unverified addresses: each interleaving of the two
  // transactions (lookups before or after the other's commit) must end in one user.
  for (let round = 0; round < 12; round++) {
    const token = await google.mintIdToken(claims({ email_verified: round % 2 === 0 }));
    const results = await Promise.all([
      signIn({ idToken: token }),
      signIn({ idToken: token }),
      signIn({ idToken: token }),
    ]);
    for (const res of results) assert.equal(res.statusCode, 200, `round ${round}: ${res.body}`);
    const ids = new Set(results.map((res) => res.json<{ user: { id: string } }>().user.id));
    assert.equal(ids.size, 1, `round ${round}`);
  }
});

test('a login code of the wrong shape is 400; an unknown one 401', async () => {
  for (const loginCode of ['', 'short', 'has spaces in it but is long', 42]) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/oauth/exchange',
      payload: { loginCode },
    });
    assert.equal(res.statusCode, 400, String(loginCode));
  }
  const unknown = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/oauth/exchange',
    payload: { loginCode: 'A'.repeat(43) },
  });
  assert.equal(unknown.statusCode, 401);
});

test("Google's email_verified counts only for Gmail or the account's own hd domain", async () => {
  const owner = await createUser(app);
  await markEmailVerified(app.db, owner.id);
  // Verified says Google, but example.com is not this account's Workspace domain.
  const foreign = await signIn({
    idToken: await google.mintIdToken(claims({ email: owner.email, hd: undefined })),
  });
  assert.equal(foreign.statusCode, 409);
  const fresh = await signIn({
    idToken: await google.mintIdToken(claims({ hd: 'other.example' })),
  });
  assert.equal(fresh.statusCode, 200);
  assert.equal(fresh.json<{ user: { emailVerified: boolean } }>().user.emailVerified, false);
  const gmail = `${uniqueEmail('g').split('@')[0]}@gmail.com`;
  const viaGmail = await signIn({
    idToken: await google.mintIdToken(claims({ email: gmail, hd: undefined })),
  });
  assert.equal(viaGmail.json<{ user: { emailVerified: boolean } }>().user.emailVerified, true);
});

test('someone who signed up with my e-mail unverified loses access when I reset the password', async () => {
  const victim = uniqueEmail('victim');
  const attacker = claims({ email: victim, email_verified: false, sub: 'attacker-sub' });
  const squat = await signIn({ idToken: await google.mintIdToken(attacker) });
  assert.equal(squat.statusCode, 200);
  const userId = squat.json<{ user: { id: string } }>().user.id;

  // The mailbox's owner takes the account back through the reset link sent to it.
  const token = await createOneTimeToken(app.db, userId, 'password_reset');
  const reset = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/password/reset',
    payload: { token, password: 'a-new-long-password' },
  });
  assert.equal(reset.statusCode, 204);
  const me = await app.inject({
    url: '/api/v1/users/me',
    headers: { authorization: `Bearer ${squat.json<{ accessToken: string }>().accessToken}` },
  });
  assert.equal(me.statusCode, 401);
  const again = await signIn({ idToken: await google.mintIdToken(attacker) });
  assert.equal(again.statusCode, 409);
  const identities = await app.db
    .selectFrom('user_identities')
    .select('id')
    .where('user_id', '=', userId)
    .execute();
  assert.equal(identities.length, 0);
});

test('JWTs of another type, or with a non-string subject, are not ID tokens', async () => {
  await refused(await google.mintIdToken(claims(), { typ: 'at+jwt' }));
  await refused(await google.mintIdToken(claims({ sub: 5 })));
  await refused(await google.mintIdToken(claims({ sub: '' })));
});

test('a provider that cannot be reached answers 503 on the token endpoint', async () => {
  const down = await env.app({
    OIDC_ISSUER: 'http://127.0.0.1:9',
    OIDC_CLIENT_ID: 'x',
  });
  const res = await down.inject({
    method: 'POST',
    url: '/api/v1/auth/oauth/oidc/token',
    payload: { idToken: await google.mintIdToken(claims()) },
  });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json<{ code: string }>().code, 'unavailable');
});

test('a user with TOTP on takes the second step after a provider sign-in too', async () => {
  const { codeFor } = await import('../mfa/helpers.js');
  const c = claims();
  const first = await signIn({ idToken: await google.mintIdToken(c) });
  const { accessToken, user } = first.json<{ accessToken: string; user: { id: string } }>();
  assert.deepEqual(decodeJwt(accessToken).amr, ['fed']);
  const auth = { authorization: `Bearer ${accessToken}` };
  const started = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/mfa/totp',
    headers: auth,
  });
  const { secret } = started.json<{ secret: string }>();
  const on = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/mfa/totp/verify',
    headers: auth,
    payload: { code: codeFor(secret) },
  });
  assert.equal(on.statusCode, 200);

  const again = await signIn({ idToken: await google.mintIdToken({ ...c, iat: now() }) });
  assert.equal(again.statusCode, 200);
  const step = again.json<Record<string, unknown>>();
  assert.equal(step.mfaRequired, true);
  assert.equal(step.accessToken, undefined, 'no tokens from the provider sign-in alone');
  const done = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/mfa/verify',
    payload: { mfaToken: step.mfaToken, code: codeFor(secret, 1) },
  });
  assert.equal(done.statusCode, 200, done.body);
  const tokens = done.json<{ accessToken: string; user: { id: string } }>();
  assert.equal(tokens.user.id, user.id);
  assert.deepEqual(decodeJwt(tokens.accessToken).amr, ['fed', 'otp']);
});
