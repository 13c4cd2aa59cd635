import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { sql } from 'kysely';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier } from 'openid-client';
import { markEmailVerified, updateUser } from '../../src/users/users.repository.js';
import { setupTestEnv } from '../helpers/app.js';
import { signInThroughBrowser, TestBrowser } from '../helpers/browser.js';
import { createUser, uniqueEmail } from '../helpers/factories.js';
import { startIdentityProvider } from '../helpers/identity-provider.js';

const APP = 'http://app.test';
const REDIRECT = `${APP}/signed-in`;
const OTHER = `${APP}/other`;
const CALLBACK = 'http://gilla.test/api/v1/auth/oauth/oidc/callback';
const startUrl = (redirectTo = REDIRECT) =>
  `http://gilla.test/api/v1/auth/oauth/oidc/start?redirectTo=${encodeURIComponent(redirectTo)}`;
const SECRET = 'gilla-client-secret-0123456789';

const env = await setupTestEnv();
// When set, the provider's published key set is swapped for one without its signing key.
const forged: { jwks: string | null } = { jwks: null };
const idp = await startIdentityProvider({
  clients: () => [{ client_id: 'gilla', client_secret: SECRET, redirect_uris: [CALLBACK] }],
  extra: (req, res) => {
    if (forged.jwks === null || req.url !== '/jwks') return false;
    res.writeHead(200, { 'content-type': 'application/json' }).end(forged.jwks);
    return true;
  },
});
after(() => idp.close());
const settings = {
  OIDC_ISSUER: idp.issuer,
  OIDC_CLIENT_ID: 'gilla',
  OIDC_CLIENT_SECRET: SECRET,
  OIDC_NAME: 'Test IdP',
  OAUTH_REDIRECT_ALLOWLIST: `${REDIRECT},${OTHER}`,
};
const app = await env.app(settings);

/** A person at the provider with a fresh e-mail. */
function person(overrides: { email?: string; email_verified?: boolean } = {}) {
  const email = overrides.email ?? uniqueEmail('fed');
  const login = idp.addAccount(`sub-${email}`, {
    email,
    email_verified: overrides.email_verified ?? true,
    name: 'Fed Person',
  });
  return { email, login };
}

async function exchange(loginCode: string | null) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/oauth/exchange',
    payload: { loginCode: loginCode ?? 'missing-login-code-000' },
  });
}

/** A whole browser sign-in as `login`, its login code exchanged: the app's tokens and user. */
async function signedIn(login: string) {
  const back = await signInThroughBrowser(new TestBrowser(app), startUrl(), login, APP);
  const res = await exchange(back.searchParams.get('loginCode'));
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ accessToken: string; user: { id: string } }>();
}

/** Walks the flow up to (not into) our callback; the browser holds the start cookie. */
async function untilCallback(browser: TestBrowser, login: string) {
  return signInThroughBrowser(browser, startUrl(), login, CALLBACK);
}

test('the providers are listed, with the configured name', async () => {
  const res = await app.inject({ url: '/api/v1/auth/providers' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { data: [{ id: 'oidc', name: 'Test IdP', type: 'oidc' }] });
  const config = await app.inject({ url: '/api/v1/config' });
  assert.deepEqual(
    config.json<{ app: { providers: unknown } }>().app.providers,
    res.json<{ data: unknown }>().data,
  );
});

test('the whole browser sign-in: provider login and consent, then a login code for our tokens', async () => {
  const { email, login } = person();
  const browser = new TestBrowser(app);
  const back = await signInThroughBrowser(browser, startUrl(), login, APP);

  // start: state, nonce and PKCE S256 at the provider; a browser-binding cookie here.
  const toProvider = new URL(browser.history[0]?.location ?? '');
  assert.equal(toProvider.origin, idp.issuer);
  assert.equal(toProvider.searchParams.get('code_challenge_method'), 'S256');
  assert.match(toProvider.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
  assert.match(toProvider.searchParams.get('state') ?? '', /^[\w-]{43}$/);
  assert.match(toProvider.searchParams.get('nonce') ?? '', /^[\w-]{43}$/);
  assert.equal(toProvider.searchParams.get('redirect_uri'), CALLBACK);
  const cookies = await browser.jar.getCookies(CALLBACK);
  assert.equal(cookies[0]?.key, 'gilla_oauth');
  assert.equal(cookies[0]?.httpOnly, true);
  assert.equal(cookies[0]?.sameSite, 'lax');
  // The state is kept only hashed: the value sent to the provider is not in the database.
  const stored = await app.db.selectFrom('oauth_states').select('state_hash').execute();
  assert.ok(stored.every((r) => r.state_hash !== toProvider.searchParams.get('state')));

  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  const loginCode = back.searchParams.get('loginCode');
  assert.match(loginCode ?? '', /^[\w-]{43}$/);
  assert.equal(back.searchParams.get('error'), null);

  const res = await exchange(loginCode);
  assert.equal(res.statusCode, 200);
  const body = res.json<{
    accessToken: string;
    refreshToken: string;
    tokenType: string;
    user: { id: string; email: string; emailVerified: boolean; providers: string[]; name: string };
  }>();
  assert.equal(body.tokenType, 'Bearer');
  assert.equal(body.user.email, email);
  assert.equal(body.user.emailVerified, true);
  assert.equal(body.user.name, 'Fed Person');
  assert.deepEqual(body.user.providers, ['oidc']);

  const me = await app.inject({
    url: '/api/v1/users/me',
    headers: { authorization: `Bearer ${body.accessToken}` },
  });
  assert.equal(me.statusCode, 200);
  assert.deepEqual(me.json<{ providers: string[] }>().providers, ['oidc']);
  const identity = await app.db
    .selectFrom('user_identities')
    .selectAll()
    .where('user_id', '=', body.user.id)
    .executeTakeFirstOrThrow();
  assert.equal(identity.provider, 'oidc');
  assert.equal(identity.subject, login);
  const user = await app.db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', body.user.id)
    .executeTakeFirstOrThrow();
  assert.equal(user.password_hash, null);

  // The code works once.
  const again = await exchange(loginCode);
  assert.equal(again.statusCode, 401);
  assert.equal(again.json<{ code: string }>().code, 'invalid_token');

  // Signing in again is the same account, not a second one.
  const secondBody = await signedIn(login);
  assert.equal(secondBody.user.id, body.user.id);
});

test('a replayed callback (same code and state) is refused with an error redirect', async () => {
  const { login } = person();
  const browser = new TestBrowser(app);
  const callback = await untilCallback(browser, login);
  const first = await browser.request(callback.toString());
  assert.equal(first.status, 302);
  assert.ok(new URL(first.location ?? '').searchParams.get('loginCode'));

  const replay = await browser.request(callback.toString());
  assert.equal(replay.status, 302);
  const to = new URL(replay.location ?? '');
  assert.equal(`${to.origin}${to.pathname}`, REDIRECT);
  assert.equal(to.searchParams.get('error'), 'invalid_state');
  assert.equal(to.searchParams.get('loginCode'), null);
});

test('a wrong state, or none, redirects with invalid_state; nothing is signed in', async () => {
  const browser = new TestBrowser(app);
  for (const query of ['?code=abc&state=not-a-state-we-made', '?code=abc', '']) {
    const res = await browser.request(`${CALLBACK}${query}`);
    assert.equal(res.status, 302);
    const to = new URL(res.location ?? '');
    assert.equal(`${to.origin}${to.pathname}`, REDIRECT);
    assert.equal(to.searchParams.get('error'), 'invalid_state');
  }
});

test('the callback in another browser than the one that started is refused (login CSRF)', async () => {
  const { login } = person();
  const victim = await untilCallback(new TestBrowser(app), login);
  const other = await new TestBrowser(app).request(victim.toString());
  assert.equal(other.status, 302);
  assert.equal(new URL(other.location ?? '').searchParams.get('error'), 'invalid_state');

  // A browser with a sign-in of its own under way (so with its own cookie) fares no better.
  const { login: login2 } = person();
  const victim2 = await untilCallback(new TestBrowser(app), login2);
  const busy = new TestBrowser(app);
  await busy.request(startUrl());
  const res = await busy.request(victim2.toString());
  assert.equal(new URL(res.location ?? '').searchParams.get('error'), 'invalid_state');
});

test("with the app's own PKCE challenge, a login code is redeemed only with its verifier", async () => {
  const verifier = randomPKCECodeVerifier();
  const challenge = await calculatePKCECodeChallenge(verifier);
  const withChallenge = `${startUrl()}&codeChallenge=${challenge}`;
  const flow = async () => {
    const { login } = person();
    const back = await signInThroughBrowser(new TestBrowser(app), withChallenge, login, APP);
    assert.ok(back.searchParams.get('loginCode'), back.toString());
    return back.searchParams.get('loginCode') ?? '';
  };
  const post = (payload: object) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/oauth/exchange', payload });

  // A code slipped into another browser (whose app has no verifier, or its own) is worthless.
  assert.equal((await post({ loginCode: await flow() })).statusCode, 401);
  assert.equal(
    (await post({ loginCode: await flow(), codeVerifier: randomPKCECodeVerifier() })).statusCode,
    401,
  );
  const code = await flow();
  const ok = await post({ loginCode: code, codeVerifier: verifier });
  assert.equal(ok.statusCode, 200);
  assert.equal((await post({ loginCode: code, codeVerifier: verifier })).statusCode, 401);

  const bad = await app.inject({
    url: `${startUrl().slice('http://gilla.test'.length)}&codeChallenge=short`,
  });
  assert.equal(bad.statusCode, 400);
});

test('an ID token not signed by a key the provider publishes is refused', async () => {
  const { publicKey } = await generateKeyPair('RS256');
  forged.jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' }],
  });
  try {
    // A fresh instance: its key-set cache starts empty.
    const fresh = await env.app(settings);
    const { login } = person();
    const back = await signInThroughBrowser(new TestBrowser(fresh), startUrl(), login, APP);
    assert.equal(back.searchParams.get('error'), 'invalid_id_token');
    assert.equal(back.searchParams.get('loginCode'), null);
  } finally {
    forged.jwks = null;
  }
});

test('a provider that cannot be reached sends the browser back with temporarily_unavailable', async () => {
  const down = await env.app({ ...settings, OIDC_ISSUER: 'http://127.0.0.1:9' });
  const res = await down.inject({ url: startUrl().slice('http://gilla.test'.length) });
  assert.equal(res.statusCode, 302);
  const to = new URL(String(res.headers.location));
  assert.equal(`${to.origin}${to.pathname}`, REDIRECT);
  assert.equal(to.searchParams.get('error'), 'temporarily_unavailable');
});

test('an account disabled between the callback and the exchange gets 403, not tokens', async () => {
  const admin = await createUser(app, { admin: true });
  const { login } = person();
  const userId = (await signedIn(login)).user.id;
  const back = await signInThroughBrowser(new TestBrowser(app), startUrl(), login, APP);
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${userId}`,
    headers: admin.auth,
    payload: { disabled: true },
  });
  const res = await exchange(back.searchParams.get('loginCode'));
  assert.equal(res.statusCode, 403);
  assert.equal(res.json<{ code: string }>().code, 'account_disabled');
});

test('a state older than 10 minutes is refused', async () => {
  const { login } = person();
  const browser = new TestBrowser(app);
  const callback = await untilCallback(browser, login);
  await app.db
    .updateTable('oauth_states')
    .set({ expires_at: sql<Date>`now() - interval '1 second'` })
    .execute();
  const res = await browser.request(callback.toString());
  assert.equal(new URL(res.location ?? '').searchParams.get('error'), 'invalid_state');
});

test('an ID token with another nonce than ours is refused', async () => {
  const { login } = person();
  const browser = new TestBrowser(app);
  const start = await browser.request(startUrl());
  const tampered = new URL(start.location ?? '');
  tampered.searchParams.set('nonce', 'a-nonce-the-provider-will-echo-back');
  const back = await signInThroughBrowser(browser, tampered.toString(), login, APP);
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  assert.equal(back.searchParams.get('error'), 'invalid_id_token');
  assert.equal(back.searchParams.get('loginCode'), null);
});

test('the user cancelling at the provider comes back with error=access_denied', async () => {
  person();
  const browser = new TestBrowser(app);
  const loginPage = await browser.follow(startUrl());
  assert.equal(loginPage.status, 200);
  const cancelled = await browser.follow(browser.link(loginPage, /Cancel/), (next) =>
    next.startsWith(APP),
  );
  const to = new URL(cancelled.location ?? '');
  assert.equal(`${to.origin}${to.pathname}`, REDIRECT);
  assert.equal(to.searchParams.get('error'), 'access_denied');
});

test('redirectTo must be on the allow-list exactly; otherwise 400 and no redirect', async () => {
  for (const redirectTo of [
    'https://evil.example/steal',
    `${REDIRECT}.evil.example`,
    `${REDIRECT}/../admin`,
    `${REDIRECT}?x=1`,
    'HTTP://APP.TEST/signed-in',
    '//evil.example',
  ]) {
    const res = await app.inject({ url: startUrl(redirectTo).slice('http://gilla.test'.length) });
    assert.equal(res.statusCode, 400, redirectTo);
    assert.equal(res.headers.location, undefined);
    assert.equal(res.json<{ errors: { path: string }[] }>().errors[0]?.path, 'redirectTo');
  }
  const other = await app.inject({ url: startUrl(OTHER).slice('http://gilla.test'.length) });
  assert.equal(other.statusCode, 302);
});

test('a login code stops working after 60 seconds', async () => {
  const { login } = person();
  const back = await signInThroughBrowser(new TestBrowser(app), startUrl(), login, APP);
  const row = await app.db
    .selectFrom('oauth_login_codes')
    .select(sql<number>`extract(epoch from expires_at - created_at)`.as('ttl'))
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  assert.ok(Math.abs(Number(row.ttl) - 60) < 2, `ttl ${row.ttl}`);
  await app.db
    .updateTable('oauth_login_codes')
    .set({ expires_at: sql<Date>`now() - interval '1 second'` })
    .where('used_at', 'is', null)
    .execute();
  const res = await exchange(back.searchParams.get('loginCode'));
  assert.equal(res.statusCode, 401);
});

test('an existing account is linked only when both e-mails are verified', async () => {
  // Ours verified, the provider's not: refused, and nothing is linked.
  const owner = await createUser(app);
  await markEmailVerified(app.db, owner.id);
  const unverified = person({ email: owner.email.toUpperCase(), email_verified: false });
  const refused = await signInThroughBrowser(
    new TestBrowser(app),
    startUrl(),
    unverified.login,
    APP,
  );
  assert.equal(refused.searchParams.get('error'), 'account_exists');
  assert.equal(refused.searchParams.get('loginCode'), null);
  const links = await app.db
    .selectFrom('user_identities')
    .select('id')
    .where('user_id', '=', owner.id)
    .execute();
  assert.equal(links.length, 0);

  // The provider's verified, ours not: refused too.
  const unconfirmed = await createUser(app);
  const verified = person({ email: unconfirmed.email, email_verified: true });
  const refused2 = await signInThroughBrowser(
    new TestBrowser(app),
    startUrl(),
    verified.login,
    APP,
  );
  assert.equal(refused2.searchParams.get('error'), 'account_exists');

  // Both verified: the sign-in lands in the existing account.
  const both = person({ email: owner.email, email_verified: true });
  const linked = await signInThroughBrowser(new TestBrowser(app), startUrl(), both.login, APP);
  const res = await exchange(linked.searchParams.get('loginCode'));
  assert.equal(res.statusCode, 200);
  const user = res.json<{ user: { id: string; providers: string[] } }>().user;
  assert.equal(user.id, owner.id);
  assert.deepEqual(user.providers, ['password', 'oidc']);
});

test('unlinking: never the last way to sign in', async () => {
  const { login } = person();
  const tokens = await signedIn(login);
  const auth = { authorization: `Bearer ${tokens.accessToken}` };
  const last = await app.inject({
    method: 'DELETE',
    url: '/api/v1/users/me/providers/oidc',
    headers: auth,
  });
  assert.equal(last.statusCode, 409);
  assert.equal(last.json<{ code: string }>().code, 'conflict');
  const notLinked = await app.inject({
    method: 'DELETE',
    url: '/api/v1/users/me/providers/google',
    headers: auth,
  });
  assert.equal(notLinked.statusCode, 404);

  // With a password as well, the provider can go.
  await updateUser(app.db, tokens.user.id, { password_hash: 'x' });
  const unlinked = await app.inject({
    method: 'DELETE',
    url: '/api/v1/users/me/providers/oidc',
    headers: auth,
  });
  assert.equal(unlinked.statusCode, 204);
  const me = await app.inject({ url: '/api/v1/users/me', headers: auth });
  assert.deepEqual(me.json<{ providers: string[] }>().providers, ['password']);
  const anonymous = await app.inject({ method: 'DELETE', url: '/api/v1/users/me/providers/oidc' });
  assert.equal(anonymous.statusCode, 401);
});

test('a disabled account, or closed registration, comes back as an error, not tokens', async () => {
  const admin = await createUser(app, { admin: true });
  const { login } = person();
  const userId = (await signedIn(login)).user.id;
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/users/${userId}`,
    headers: admin.auth,
    payload: { disabled: true },
  });
  const disabled = await signInThroughBrowser(new TestBrowser(app), startUrl(), login, APP);
  assert.equal(disabled.searchParams.get('error'), 'account_disabled');
  // The refusal is in the audit log as a failed sign-in through the provider.
  const failed = await app.db
    .selectFrom('audit_events')
    .select(['actor_id', 'details'])
    .where('type', '=', 'auth.login.failed')
    .where('actor_id', '=', userId)
    .execute();
  assert.deepEqual(
    failed.map((e) => e.details),
    [{ method: 'oidc', reason: 'account_disabled' }],
  );

  const closed = await app.inject({
    method: 'PATCH',
    url: '/api/v1/admin/settings',
    headers: admin.auth,
    payload: { registrationOpen: false },
  });
  assert.equal(closed.statusCode, 200);
  try {
    const newcomer = person();
    const refused = await signInThroughBrowser(
      new TestBrowser(app),
      startUrl(),
      newcomer.login,
      APP,
    );
    assert.equal(refused.searchParams.get('error'), 'registration_closed');
    const made = await app.db
      .selectFrom('users')
      .select('id')
      .where(sql<string>`lower(email)`, '=', newcomer.email.toLowerCase())
      .execute();
    assert.equal(made.length, 0);
  } finally {
    await app.inject({
      method: 'PATCH',
      url: '/api/v1/admin/settings',
      headers: admin.auth,
      payload: { registrationOpen: true },
    });
  }
});

test('unknown or unconfigured providers are 404', async () => {
  for (const url of [
    '/api/v1/auth/oauth/google/start',
    '/api/v1/auth/oauth/facebook/start',
    '/api/v1/auth/oauth/github/callback?code=a&state=b',
  ]) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 404, url);
    assert.equal(res.json<{ code: string }>().code, 'not_found');
  }
  const token = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/oauth/google/token',
    payload: { idToken: 'x.y.z' },
  });
  assert.equal(token.statusCode, 404);
});

test('sign-ins are counted by provider and outcome in /metrics', async () => {
  const metrics = await app.inject({ url: '/metrics' });
  assert.match(
    metrics.body,
    /gilla_oauth_sign_ins_total\{provider="oidc",outcome="success"\} [1-9]/,
  );
  assert.match(
    metrics.body,
    /gilla_oauth_sign_ins_total\{provider="oidc",outcome="invalid_state"\} [1-9]/,
  );
});
