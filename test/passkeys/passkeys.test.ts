import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { setupTestEnv } from '../helpers/app.js';
import {
  addVirtualAuthenticator,
  createCredential,
  getAssertion,
  launchChromium,
  NO_CHROMIUM,
} from '../helpers/chromium.js';
import { createUser, type TestUser } from '../helpers/factories.js';
import { freePort } from '../helpers/services.js';

// The ceremonies for real: Chromium with a virtual authenticator on a page of the service's own
// origin (PUBLIC_URL = http://localhost:<port>), and the service verifying with
// @simplewebauthn/server. A second origin (another port on localhost, same RP id) plays the
// phishing site.
const skip = NO_CHROMIUM;
const env = await setupTestEnv();
let app: FastifyInstance;
let browser: Browser;
let page: Page;
let origin: string;
let otherOrigin: string;
const other = createServer((_req, res) => {
  res
    .writeHead(200, { 'content-type': 'text/html' })
    .end('<!doctype html><title>elsewhere</title>');
});

before(async () => {
  if (skip) return;
  const port = await freePort();
  origin = `http://localhost:${port}`;
  app = await env.app({ PUBLIC_URL: origin });
  await app.listen({ host: 'localhost', port });
  const otherPort = await freePort();
  await new Promise<void>((resolve) => other.listen(otherPort, 'localhost', resolve));
  otherOrigin = `http://localhost:${otherPort}`;
  browser = await launchChromium();
});

after(async () => {
  if (skip) return;
  await browser.close();
  await new Promise((resolve) => other.close(resolve));
});

/** A fresh tab on the service's origin with its own virtual authenticator. */
async function freshPage(): Promise<Page> {
  page = await browser.newPage();
  await page.goto(`${origin}/health`);
  await addVirtualAuthenticator(page);
  return page;
}

async function registerPasskey(user: TestUser, name?: string) {
  const options = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/passkeys/options',
    headers: user.auth,
  });
  assert.equal(options.statusCode, 200, options.body);
  const response = await createCredential(page, options.json());
  return app.inject({
    method: 'POST',
    url: '/api/v1/users/me/passkeys',
    headers: user.auth,
    payload: { ...(name ? { name } : {}), response },
  });
}

async function assertion(): Promise<Record<string, unknown>> {
  const options = await app.inject({ method: 'POST', url: '/api/v1/auth/passkey/options' });
  assert.equal(options.statusCode, 200);
  const json = options.json<{ challenge: string; rpId: string; allowCredentials?: unknown[] }>();
  assert.equal(json.rpId, 'localhost');
  assert.deepEqual(json.allowCredentials ?? [], [], 'discoverable: no user is named');
  return getAssertion(page, json);
}

const passkeyLogin = (response: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/passkey/login', payload: { response } });

test(
  'register a passkey, then sign in with it: no password, no e-mail typed',
  { skip },
  async () => {
    await freshPage();
    const user = await createUser(app);
    const added = await registerPasskey(user, 'Laptop');
    assert.equal(added.statusCode, 201, added.body);
    const passkey = added.json<{ id: string; name: string; lastUsedAt: string | null }>();
    assert.equal(passkey.name, 'Laptop');
    assert.equal(passkey.lastUsedAt, null);

    const signedIn = await passkeyLogin(await assertion());
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    const tokens = signedIn.json<{ accessToken: string; user: { id: string } }>();
    assert.equal(tokens.user.id, user.id);
    assert.deepEqual(decodeJwt(tokens.accessToken).amr, ['webauthn']);
    const me = await app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    assert.equal(me.statusCode, 200);
    const listed = await app.inject({
      method: 'GET',
      url: '/api/v1/users/me/passkeys',
      headers: user.auth,
    });
    const [shown] = listed.json<{ data: { id: string; lastUsedAt: string | null }[] }>().data;
    assert.equal(shown?.id, passkey.id);
    assert.ok(shown?.lastUsedAt, 'lastUsedAt is set by the sign-in');
    const row = await app.db
      .selectFrom('passkeys')
      .select(['counter', 'user_id'])
      .where('id', '=', passkey.id)
      .executeTakeFirstOrThrow();
    assert.ok(Number(row.counter) > 0, 'the authenticator keeps a counter, and it is stored');

    const events = await app.db
      .selectFrom('audit_events')
      .select(['type', 'details'])
      .where('actor_id', '=', user.id)
      .where('type', 'in', ['user.passkey.added', 'auth.login.succeeded'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => [e.type, (e.details as { method?: string }).method]),
      [
        ['user.passkey.added', undefined],
        ['auth.login.succeeded', 'passkey'],
      ],
    );
  },
);

test(
  'a replayed response, one from another origin, and a counter gone back are refused',
  { skip },
  async () => {
    await freshPage();
    const user = await createUser(app);
    assert.equal((await registerPasskey(user)).statusCode, 201);
    const response = await assertion();
    assert.equal((await passkeyLogin(response)).statusCode, 200);
    // The same response again: its challenge is spent.
    const replay = await passkeyLogin(response);
    assert.equal(replay.statusCode, 401);
    assert.equal(replay.json<{ code: string }>().code, 'invalid_credentials');

    // A page of another origin (a phishing site relaying our challenge) gets an assertion the
    // authenticator signs; its clientData names that origin, and the service refuses it.
    const options = await app.inject({ method: 'POST', url: '/api/v1/auth/passkey/options' });
    await page.goto(`${otherOrigin}/`);
    const phished = await getAssertion(page, options.json());
    const refused = await passkeyLogin(phished);
    assert.equal(refused.statusCode, 401);
    await page.goto(`${origin}/health`);

    // A counter that did not move on (a cloned authenticator) is refused.
    await app.db
      .updateTable('passkeys')
      .set({ counter: '1000000' })
      .where('user_id', '=', user.id)
      .execute();
    const cloned = await passkeyLogin(await assertion());
    assert.equal(cloned.statusCode, 401);

    const failures = await app.db
      .selectFrom('audit_events')
      .select('details')
      .where('type', '=', 'auth.login.failed')
      .execute();
    assert.ok(
      failures.filter((f) => (f.details as { method?: string }).method === 'passkey').length >= 3,
    );
  },
);

test(
  'registration: another origin, a replayed response and bad bodies are 400',
  { skip },
  async () => {
    await freshPage();
    const user = await createUser(app);
    const options = await app.inject({
      method: 'POST',
      url: '/api/v1/users/me/passkeys/options',
      headers: user.auth,
    });
    await page.goto(`${otherOrigin}/`);
    const elsewhere = await createCredential(page, options.json());
    const refused = await app.inject({
      method: 'POST',
      url: '/api/v1/users/me/passkeys',
      headers: user.auth,
      payload: { response: elsewhere },
    });
    assert.equal(refused.statusCode, 400);
    await page.goto(`${origin}/health`);

    const fresh = await app.inject({
      method: 'POST',
      url: '/api/v1/users/me/passkeys/options',
      headers: user.auth,
    });
    const response = await createCredential(page, fresh.json());
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/users/me/passkeys',
      headers: user.auth,
      payload: { response },
    });
    assert.equal(ok.statusCode, 201);
    assert.equal(ok.json<{ name: string }>().name, 'Passkey 1');
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/users/me/passkeys',
      headers: user.auth,
      payload: { response },
    });
    assert.equal(again.statusCode, 400, 'its challenge is spent');
    // Another user cannot register with a challenge that was issued to this one.
    const thief = await createUser(app);
    const theirOptions = await app.inject({
      method: 'POST',
      url: '/api/v1/users/me/passkeys/options',
      headers: user.auth,
    });
    const made = await createCredential(page, {
      ...theirOptions.json<Record<string, unknown>>(),
      excludeCredentials: [],
      user: { id: 'dGhpZWY', name: thief.email, displayName: 'thief' },
    });
    const stolen = await app.inject({
      method: 'POST',
      url: '/api/v1/users/me/passkeys',
      headers: thief.auth,
      payload: { response: made },
    });
    assert.equal(stolen.statusCode, 400);

    for (const payload of [
      {},
      { response: {} },
      { response: { id: 'x', rawId: 'x', type: 'public-key' } },
      { name: '', response },
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/users/me/passkeys',
        headers: user.auth,
        payload,
      });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
    }
    const bad = await passkeyLogin({
      id: 'nope',
      rawId: 'nope',
      type: 'public-key',
      response: {},
      clientExtensionResults: {},
    });
    assert.equal(bad.statusCode, 401);
    const count = await app.db
      .selectFrom('passkeys')
      .select('id')
      .where('user_id', '=', user.id)
      .execute();
    assert.equal(count.length, 1);
  },
);

test(
  'several passkeys, named; removing one; another user’s is 404; a disabled user cannot sign in',
  { skip },
  async () => {
    const user = await createUser(app);
    await freshPage();
    assert.equal((await registerPasskey(user, 'Phone')).statusCode, 201);
    await freshPage();
    assert.equal((await registerPasskey(user, 'Security key')).statusCode, 201);
    const listed = await app.inject({
      method: 'GET',
      url: '/api/v1/users/me/passkeys',
      headers: user.auth,
    });
    const passkeys = listed.json<{ data: { id: string; name: string }[] }>().data;
    assert.deepEqual(
      passkeys.map((p) => p.name),
      ['Phone', 'Security key'],
    );

    const stranger = await createUser(app);
    const theirs = await app.inject({
      method: 'DELETE',
      url: `/api/v1/users/me/passkeys/${passkeys[0]?.id}`,
      headers: stranger.auth,
    });
    assert.equal(theirs.statusCode, 404);
    const removed = await app.inject({
      method: 'DELETE',
      url: `/api/v1/users/me/passkeys/${passkeys[1]?.id}`,
      headers: user.auth,
    });
    assert.equal(removed.statusCode, 204);
    // The removed passkey (this tab's) no longer signs in.
    const gone = await passkeyLogin(await assertion());
    assert.equal(gone.statusCode, 401);

    const admin = await createUser(app, { admin: true });
    await freshPage();
    assert.equal((await registerPasskey(user, 'Tablet')).statusCode, 201);
    await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${user.id}`,
      headers: admin.auth,
      payload: { disabled: true },
    });
    const disabled = await passkeyLogin(await assertion());
    assert.equal(disabled.statusCode, 403);
    assert.equal(disabled.json<{ code: string }>().code, 'account_disabled');
  },
);

test(
  'the last passkey of an account without a password or provider stays (409)',
  { skip },
  async () => {
    await freshPage();
    const user = await createUser(app);
    const added = await registerPasskey(user, 'Only way in');
    assert.equal(added.statusCode, 201);
    await app.db
      .updateTable('users')
      .set({ password_hash: null })
      .where('id', '=', user.id)
      .execute();
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/users/me/passkeys/${added.json<{ id: string }>().id}`,
      headers: user.auth,
    });
    assert.equal(res.statusCode, 409, res.body);
    const left = await app.db
      .selectFrom('passkeys')
      .select('id')
      .where('user_id', '=', user.id)
      .execute();
    assert.equal(left.length, 1);
    // With it, signing in still works.
    assert.equal((await passkeyLogin(await assertion())).statusCode, 200);
  },
);
