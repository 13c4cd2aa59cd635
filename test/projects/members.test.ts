import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { addMember, createProject, createUser, uniqueEmail } from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const [owner, alice, bob] = await Promise.all([createUser(app), createUser(app), createUser(app)]);

const members = async (projectId: string) =>
  (await app.inject({ url: `/api/v1/projects/${projectId}/members`, headers: owner.auth })).json<{
    data: { userId: string; email: string; role: string }[];
  }>().data;

test('the creator is the owner; members are added by e-mail (any case) with a role', async () => {
  const project = await createProject(app, owner);
  assert.equal(project.role, 'owner');
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${project.id}/members`,
    headers: owner.auth,
    payload: { email: alice.email.toUpperCase(), role: 'editor' },
  });
  assert.equal(res.statusCode, 201);
  assert.deepEqual(res.json(), {
    userId: alice.id,
    email: alice.email,
    name: null,
    role: 'editor',
  });
  const list = await members(project.id);
  assert.deepEqual(
    list.map((m) => [m.userId, m.role]).sort(),
    [
      [owner.id, 'owner'],
      [alice.id, 'editor'],
    ].sort(),
  );
});

test('adding: unknown e-mail 404, already a member 409, bad role 400', async () => {
  const project = await createProject(app, owner);
  const add = (payload: object) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.id}/members`,
      headers: owner.auth,
      payload,
    });
  assert.equal((await add({ email: uniqueEmail(), role: 'viewer' })).statusCode, 404);
  assert.equal((await add({ email: alice.email, role: 'viewer' })).statusCode, 201);
  const again = await add({ email: alice.email, role: 'editor' });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json<{ code: string }>().code, 'conflict');
  const bad = await add({ email: bob.email, role: 'admin' });
  assert.equal(bad.statusCode, 400);
  assert.equal((await members(project.id)).find((m) => m.userId === alice.id)?.role, 'viewer');
});

test('the last owner cannot leave or be demoted (409); with a second owner both work', async () => {
  const project = await createProject(app, owner);
  const url = `/api/v1/projects/${project.id}/members/${owner.id}`;
  const demote = await app.inject({
    method: 'PATCH',
    url,
    headers: owner.auth,
    payload: { role: 'editor' },
  });
  assert.equal(demote.statusCode, 409);
  assert.equal(demote.json<{ code: string }>().code, 'conflict');
  assert.equal((await app.inject({ method: 'DELETE', url, headers: owner.auth })).statusCode, 409);
  assert.equal((await members(project.id))[0]?.role, 'owner');

  await addMember(app, owner, project.id, alice, 'owner');
  const demoted = await app.inject({
    method: 'PATCH',
    url,
    headers: owner.auth,
    payload: { role: 'viewer' },
  });
  assert.equal(demoted.statusCode, 200);
  assert.equal(demoted.json<{ role: string }>().role, 'viewer');
  // Now a viewer, the former owner may still leave.
  assert.equal((await app.inject({ method: 'DELETE', url, headers: owner.auth })).statusCode, 204);
  const left = await app.inject({ url: `/api/v1/projects/${project.id}`, headers: owner.auth });
  assert.equal(left.statusCode, 404);
});

test('two owners demoting each other at once: one wins, one owner always remains', async () => {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, alice, 'owner');
  const results = await Promise.all(
    [
      [owner, alice],
      [alice, owner],
    ].map(([actor, target]) =>
      app.inject({
        method: 'PATCH',
        url: `/api/v1/projects/${project.id}/members/${target!.id}`,
        headers: actor!.auth,
        payload: { role: 'viewer' },
      }),
    ),
  );
  const codes = results.map((r) => r.statusCode).sort();
  // The loser is either refused as the last owner (409) or no longer an owner itself (403).
  assert.equal(codes[0], 200);
  assert.ok([403, 409].includes(codes[1]!), `second answer ${codes[1]}`);
  const owners = (
    await app.inject({ url: `/api/v1/projects/${project.id}/members`, headers: alice.auth })
  )
    .json<{ data: { role: string }[] }>()
    .data.filter((m) => m.role === 'owner');
  assert.equal(owners.length, 1);
});

test('a member may leave; a non-member target is 404', async () => {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, bob, 'viewer');
  const leave = await app.inject({
    method: 'DELETE',
    url: `/api/v1/projects/${project.id}/members/${bob.id}`,
    headers: bob.auth,
  });
  assert.equal(leave.statusCode, 204);
  assert.equal(
    (await app.inject({ url: `/api/v1/projects/${project.id}`, headers: bob.auth })).statusCode,
    404,
  );
  const gone = await app.inject({
    method: 'PATCH',
    url: `/api/v1/projects/${project.id}/members/${bob.id}`,
    headers: owner.auth,
    payload: { role: 'editor' },
  });
  assert.equal(gone.statusCode, 404);
});

test('project keys: given, derived from the name, or refused when not 2–10 upper-case letters/digits', async () => {
  assert.equal((await createProject(app, owner, { name: 'Payment Service API' })).key, 'PSA');
  assert.equal((await createProject(app, owner, { name: 'authentication' })).key, 'AUTH');
  assert.equal((await createProject(app, owner, { name: 'Ökonomi' })).key, 'OKON');
  assert.equal((await createProject(app, owner, { name: '—' })).key, 'PRJ');
  assert.equal((await createProject(app, owner, { name: 'x', key: 'REQ2' })).key, 'REQ2');
  for (const key of ['a', 'lower', 'TOOLONGKEY1', 'A-B', 'A']) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: owner.auth,
      payload: { name: 'Bad key', key },
    });
    assert.equal(res.statusCode, 400, key);
    assert.equal(res.json<{ errors: { path: string }[] }>().errors[0]?.path, 'key');
  }
});

test('deleting an account: its own projects go with it; last owner of a shared one is 409', async () => {
  const leaver = await createUser(app);
  const solo = await createProject(app, leaver);
  const shared = await createProject(app, leaver, { name: 'Shared' });
  await addMember(app, leaver, shared.id, alice, 'editor');
  const remove = () =>
    app.inject({
      method: 'DELETE',
      url: '/api/v1/users/me',
      headers: leaver.auth,
      payload: { password: leaver.password },
    });
  const refused = await remove();
  assert.equal(refused.statusCode, 409);
  assert.match(refused.json<{ detail: string }>().detail, /last owner of the project "Shared"/);
  assert.equal(
    (await app.inject({ url: `/api/v1/projects/${solo.id}`, headers: leaver.auth })).statusCode,
    200,
    'nothing was deleted',
  );

  const promote = await app.inject({
    method: 'PATCH',
    url: `/api/v1/projects/${shared.id}/members/${alice.id}`,
    headers: leaver.auth,
    payload: { role: 'owner' },
  });
  assert.equal(promote.statusCode, 200);
  assert.equal((await remove()).statusCode, 204);
  const gone = await app.db.selectFrom('projects').select('id').where('id', '=', solo.id).execute();
  assert.equal(gone.length, 0);
  const kept = await app.inject({
    url: `/api/v1/projects/${shared.id}/members`,
    headers: alice.auth,
  });
  assert.deepEqual(
    kept.json<{ data: { userId: string; role: string }[] }>().data.map((m) => [m.userId, m.role]),
    [[alice.id, 'owner']],
  );
});
