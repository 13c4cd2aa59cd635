import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
  uniqueEmail,
} from '../helpers/factories.js';

// What fetch wrappers and hand-typed curl do, answered the way a newcomer expects.
const env = await setupTestEnv();
const app = await env.app();
const user = await createUser(app);

test('a bad choice is one error that lists the allowed values', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${spec.id}/items`,
    headers: user.auth,
    payload: { title: 'x', status: 'done' },
  });
  assert.equal(res.statusCode, 400);
  const body = res.json<{ detail: string; errors: { path: string; message: string }[] }>();
  assert.deepEqual(body.errors, [
    {
      path: 'status',
      message: 'must be one of "draft", "in_review", "approved", "obsolete"',
    },
  ]);
  assert.equal(body.detail, `status ${body.errors[0]!.message}`);
  // A choice between a value and something else names both.
  const diff = await app.inject({
    url: `/api/v1/specifications/${spec.id}/diff?from=yesterday`,
    headers: user.auth,
  });
  const errors = diff.json<{ errors: { path: string; message: string }[] }>().errors;
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /must match pattern .*, or must be one of "head"/);
});

test('If-Match takes the bare version as well as the quoted tag; If-None-Match answers 304', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  const item = await createItem(app, user, spec.id);
  const patch = (ifMatch: string, title: string) =>
    app.inject({
      method: 'PATCH',
      url: `/api/v1/items/${item.id}`,
      headers: { ...user.auth, 'if-match': ifMatch },
      payload: { title },
    });
  assert.equal((await patch('1', 'bare')).statusCode, 200);
  assert.equal((await patch('"2"', 'quoted')).statusCode, 200);
  assert.equal((await patch('2', 'stale')).statusCode, 412);
  assert.equal((await patch('W/"3"', 'weak')).statusCode, 412);

  const fresh = await app.inject({ url: `/api/v1/items/${item.id}`, headers: user.auth });
  assert.equal(fresh.headers.etag, '"3"');
  const unchanged = await app.inject({
    url: `/api/v1/items/${item.id}`,
    headers: { ...user.auth, 'if-none-match': '"3"' },
  });
  assert.equal(unchanged.statusCode, 304);
  assert.equal(unchanged.body, '');
  assert.equal(unchanged.headers.etag, '"3"');
  const changed = await app.inject({
    url: `/api/v1/items/${item.id}`,
    headers: { ...user.auth, 'if-none-match': '"2", W/"1"' },
  });
  assert.equal(changed.statusCode, 200);
  assert.equal(changed.json<{ title: string }>().title, 'quoted');
  // A project's answer carries the caller's role, which its version does not follow: never 304.
  const got = await app.inject({ url: `/api/v1/projects/${project.id}`, headers: user.auth });
  const again = await app.inject({
    url: `/api/v1/projects/${project.id}`,
    headers: { ...user.auth, 'if-none-match': String(got.headers.etag) },
  });
  assert.equal(again.statusCode, 200);
});

test('logout with Content-Type: application/json and no body is 204; a route that needs a body still says so', async () => {
  const other = await createUser(app);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/logout',
    headers: { ...other.auth, 'content-type': 'application/json' },
    payload: '',
  });
  assert.equal(res.statusCode, 204, res.body);
  const after = await app.inject({ url: '/api/v1/users/me', headers: other.auth });
  assert.equal(after.statusCode, 401);
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    payload: '',
  });
  assert.equal(login.statusCode, 400);
  assert.equal(login.json<{ code: string }>().code, 'validation_failed');
  const poisoned = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    payload: '{"__proto__": {"admin": true}, "email": "a@b.c", "password": "x"}',
  });
  assert.equal(poisoned.statusCode, 400);
  // Where no schema looks at the body, the parser itself refuses prototype poisoning.
  const third = await createUser(app);
  const poisonedLogout = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/logout',
    headers: { ...third.auth, 'content-type': 'application/json' },
    payload: '{"__proto__": {"admin": true}}',
  });
  assert.equal(poisonedLogout.statusCode, 400);
  assert.equal(poisonedLogout.json<{ code: string }>().code, 'validation_failed');
});

test('every create answers 201 with the Location of what it made', async () => {
  const email = uniqueEmail();
  const registered = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password: 'a long enough passphrase 42' },
  });
  assert.equal(registered.headers.location, '/api/v1/users/me');
  const member = await createUser(app);
  const post = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, headers: user.auth, payload });
  const project = await post('/api/v1/projects', { name: 'Located' });
  const projectId = project.json<{ id: string }>().id;
  const spec = await post(`/api/v1/projects/${projectId}/specifications`, { title: 'S' });
  const specId = spec.json<{ id: string }>().id;
  const a = await post(`/api/v1/specifications/${specId}/items`, { title: 'A' });
  const b = await post(`/api/v1/specifications/${specId}/items`, { title: 'B' });
  const link = await post(`/api/v1/items/${a.json<{ id: string }>().id}/links`, {
    targetId: b.json<{ id: string }>().id,
    type: 'depends_on',
  });
  const baseline = await post(`/api/v1/specifications/${specId}/baselines`, { name: 'v1' });
  const approval = await post(`/api/v1/items/${a.json<{ id: string }>().id}/approvals`, {
    meaning: 'reviewed',
    password: user.password,
  });
  const added = await post(`/api/v1/projects/${projectId}/members`, {
    email: member.email,
    role: 'viewer',
  });
  assert.equal(added.headers.location, `/api/v1/projects/${projectId}/members/${member.id}`);
  const theMember = await app.inject({ url: String(added.headers.location), headers: user.auth });
  assert.equal(theMember.statusCode, 200);
  assert.deepEqual(theMember.json(), added.json());
  for (const res of [project, spec, a, b, link, baseline, approval]) {
    assert.equal(res.statusCode, 201, res.body);
    const location = String(res.headers.location);
    assert.ok(location.endsWith(`/${res.json<{ id: string }>().id}`), location);
    const there = await app.inject({ url: location, headers: user.auth });
    assert.equal(there.statusCode, 200, location);
    assert.equal(there.json<{ id: string }>().id, res.json<{ id: string }>().id);
  }
});
