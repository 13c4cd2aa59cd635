import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { createGillaClient, GillaError, isGillaError, ok, type Tokens } from '@gilla/client';
import type { FastifyInstance } from 'fastify';
import { setupTestEnv } from '../helpers/app.js';
import { createProject, createUser } from '../helpers/factories.js';

// @gilla/client against the real service over HTTP: typed calls, problem details as GillaError,
// refresh-token rotation with one refresh for many refused requests, personal access tokens.
const env = await setupTestEnv();
let app: FastifyInstance;
let baseUrl: string;

before(async () => {
  app = await env.app();
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => app.close());

/** A fetch that counts the refreshes it carries. */
function countingFetch() {
  const counts = { refresh: 0, total: 0 };
  const fetchImpl = (request: Request) => {
    counts.total += 1;
    if (new URL(request.url).pathname === '/api/v1/auth/refresh') counts.refresh += 1;
    return fetch(request);
  };
  return { counts, fetchImpl };
}

/** A client holding `user`'s session, counting what it sends. */
function countedSession(user: { accessToken: string; refreshToken: string }) {
  const { counts, fetchImpl } = countingFetch();
  const { api } = createGillaClient({
    baseUrl,
    fetch: fetchImpl,
    accessToken: user.accessToken,
    refreshToken: user.refreshToken,
  });
  return { counts, api };
}

test('typed calls answer the data; a failure throws GillaError with the code, status and fields', async () => {
  const user = await createUser(app);
  const { api } = createGillaClient({ baseUrl, accessToken: user.accessToken });
  const me = await ok(api.GET('/api/v1/users/me'));
  assert.equal(me.email, user.email);

  const project = await ok(api.POST('/api/v1/projects', { body: { name: 'Client project' } }));
  assert.match(project.key, /^[A-Z0-9]{2,10}$/);

  const missing = await api
    .GET('/api/v1/projects/{projectId}', {
      params: { path: { projectId: '0190a0a0-0000-7000-8000-000000000000' } },
    })
    .then(
      () => null,
      (e: unknown) => e,
    );
  assert.ok(missing instanceof GillaError);
  assert.equal(missing.code, 'not_found');
  assert.equal(missing.status, 404);
  assert.match(missing.requestId ?? '', /.+/);

  const invalid = await api.POST('/api/v1/projects', { body: { name: '', key: 'lower' } }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(isGillaError(invalid, 'validation_failed'));
  assert.ok(invalid.errors.length > 0, 'the fields at fault are listed');
});

test('ten requests refused together cause one refresh, then all succeed with the new token', async () => {
  const user = await createUser(app);
  await createProject(app, user, { name: 'Refresh' });
  const { counts, fetchImpl } = countingFetch();
  let stored: Tokens | null = { accessToken: 'not-a-valid-token', refreshToken: user.refreshToken };
  const { api } = createGillaClient({
    baseUrl,
    fetch: fetchImpl,
    tokenStore: { get: () => stored, set: (t) => (stored = t) },
  });
  const pages = await Promise.all(
    Array.from({ length: 10 }, () => ok(api.GET('/api/v1/projects'))),
  );
  for (const page of pages) assert.equal(page.data[0]?.name, 'Refresh');
  assert.equal(counts.refresh, 1, 'one refresh for ten refused requests');
  assert.equal(counts.total, 21, 'ten refused, one refresh, ten retried');
  assert.notEqual(stored?.refreshToken, user.refreshToken, 'the refresh token rotated');

  // The session is alive (no reuse was detected): the rotated token refreshes again.
  const again = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: stored.refreshToken },
  });
  assert.equal(again.statusCode, 200, again.body);
});

test('a refused refresh ends the session: the store is emptied and the app is told', async () => {
  const user = await createUser(app);
  // The session is signed out elsewhere: its refresh token stops working.
  const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: user.auth });
  assert.equal(out.statusCode, 204);
  let ended = 0;
  const client = createGillaClient({
    baseUrl,
    accessToken: 'expired',
    refreshToken: user.refreshToken,
    onSessionEnded: () => (ended += 1),
  });
  await assert.rejects(client.api.GET('/api/v1/users/me'), (e: unknown) => {
    assert.ok(isGillaError(e));
    assert.equal(e.status, 401);
    return true;
  });
  assert.equal(ended, 1);
  assert.equal(client.tokens.get(), null);
});

test('a personal access token authenticates; a read-only one gets insufficient_scope on writes', async () => {
  const user = await createUser(app);
  const made = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/tokens',
    headers: user.auth,
    payload: { name: 'ci', scopes: ['read'] },
  });
  const { token } = made.json<{ token: string }>();
  const { api } = createGillaClient({ baseUrl, accessToken: token });
  assert.equal((await ok(api.GET('/api/v1/users/me'))).id, user.id);
  await assert.rejects(api.POST('/api/v1/projects', { body: { name: 'Nope' } }), (e: unknown) =>
    isGillaError(e, 'insufficient_scope'),
  );
});

test('the package packs with its built code, types and README', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: 'packages/client',
    encoding: 'utf8',
  });
  const [packed] = JSON.parse(out) as { name: string; files: { path: string }[] }[];
  const files = packed!.files.map((f) => f.path);
  assert.equal(packed!.name, '@gilla/client');
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/schema.d.ts', 'README.md']) {
    assert.ok(files.includes(f), `${f} is in the package`);
  }
});

test('a 401 that answers the request itself (a wrong password) is neither refreshed nor repeated', async () => {
  const user = await createUser(app);
  const { counts, api } = countedSession(user);
  await assert.rejects(
    api.DELETE('/api/v1/users/me', { body: { password: 'not my password' } }),
    (e: unknown) => isGillaError(e, 'invalid_credentials'),
  );
  assert.deepEqual(counts, { refresh: 0, total: 1 }, 'sent once, no refresh');
  assert.equal((await ok(api.GET('/api/v1/users/me'))).id, user.id, 'the account is still there');
});

test('a request with its own Authorization header is sent as it is and not retried', async () => {
  const user = await createUser(app);
  const { counts, api } = countedSession(user);
  await assert.rejects(
    api.GET('/api/v1/users/me', { headers: { authorization: 'Bearer gilla_pat_not-a-token' } }),
    (e: unknown) => isGillaError(e, 'invalid_token'),
  );
  assert.deepEqual(counts, { refresh: 0, total: 1 });
});

test('a refresh the service cannot answer (503) keeps the session for the next try', async () => {
  const user = await createUser(app);
  let ended = 0;
  let failing = true;
  const client = createGillaClient({
    baseUrl,
    accessToken: 'expired',
    refreshToken: user.refreshToken,
    onSessionEnded: () => (ended += 1),
    fetch: (request) =>
      failing && new URL(request.url).pathname === '/api/v1/auth/refresh'
        ? Promise.resolve(new Response('{}', { status: 503 }))
        : fetch(request),
  });
  await assert.rejects(client.api.GET('/api/v1/users/me'), (e: unknown) => isGillaError(e));
  assert.equal(ended, 0);
  assert.equal(client.tokens.get()?.refreshToken, user.refreshToken, 'the tokens are kept');
  failing = false;
  assert.equal((await ok(client.api.GET('/api/v1/users/me'))).id, user.id);
});

test('without the WWW-Authenticate header (a page on another origin), the code still triggers the refresh', async () => {
  const user = await createUser(app);
  let refreshes = 0;
  const { api } = createGillaClient({
    baseUrl,
    accessToken: 'not-a-valid-token',
    refreshToken: user.refreshToken,
    // What a cross-origin page sees where CORS did not expose the header.
    fetch: async (request) => {
      if (new URL(request.url).pathname === '/api/v1/auth/refresh') refreshes += 1;
      const response = await fetch(request);
      const headers = new Headers(response.headers);
      headers.delete('www-authenticate');
      return new Response(await response.arrayBuffer(), { status: response.status, headers });
    },
  });
  assert.equal((await ok(api.GET('/api/v1/users/me'))).id, user.id);
  assert.equal(refreshes, 1);
});
