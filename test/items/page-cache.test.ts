import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { setupTestEnv, sharingInstances } from '../helpers/app.js';
import {
  addMember,
  createItem,
  createProject,
  createSpecification,
  createUser,
  type TestUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();

/** A write through `app` as `user`: its status. */
async function write(
  app: FastifyInstance,
  user: TestUser,
  method: 'PATCH' | 'POST' | 'DELETE',
  url: string,
  payload?: object,
) {
  const res = await app.inject({
    method,
    url,
    headers: user.auth,
    ...(payload ? { payload } : {}),
  });
  return res.statusCode;
}

async function titles(app: FastifyInstance, user: TestUser, specId: string) {
  const res = await app.inject({
    url: `/api/v1/specifications/${specId}/items?limit=50`,
    headers: user.auth,
  });
  return res.statusCode === 200
    ? res.json<{ data: { title: string }[] }>().data.map((i) => i.title)
    : res.statusCode;
}

test('item pages are served from the cache, and every write is seen at once on the next read', async (t) => {
  const { one, two, shared } = await sharingInstances(env, t);
  t.diagnostic(shared);
  const owner = await createUser(one);
  const reader = await createUser(one);
  const project = await createProject(one, owner);
  await addMember(one, owner, project.id, reader, 'viewer');
  const spec = await createSpecification(one, owner, project.id);
  const a = await createItem(one, owner, spec.id, { title: 'A' });
  const b = await createItem(one, owner, spec.id, { title: 'B' });

  // Read twice through `two` (the first read learns the project, the second fills the cache) …
  assert.deepEqual(await titles(two, reader, spec.id), ['A', 'B']);
  assert.deepEqual(await titles(two, reader, spec.id), ['A', 'B']);
  // … so a row changed behind the service's back is not seen: the page really is cached.
  await env.database.handle.db
    .updateTable('items')
    .set({ title: 'changed in the database only' })
    .where('id', '=', a.id)
    .execute();
  assert.deepEqual(await titles(two, reader, spec.id), ['A', 'B']);

  // Writes through `one`, each seen on the very next read through `two`.
  assert.equal(await write(one, owner, 'PATCH', `/api/v1/items/${b.id}`, { title: 'B2' }), 200);
  assert.deepEqual(await titles(two, reader, spec.id), ['changed in the database only', 'B2']);
  await createItem(one, owner, spec.id, { title: 'C', after: null });
  assert.deepEqual(await titles(two, reader, spec.id), ['C', 'changed in the database only', 'B2']);
  assert.equal(await write(one, owner, 'POST', `/api/v1/items/${b.id}/move`, { after: null }), 200);
  assert.deepEqual(await titles(two, reader, spec.id), ['B2', 'C', 'changed in the database only']);
  assert.equal(await write(one, owner, 'DELETE', `/api/v1/items/${a.id}`), 204);
  assert.deepEqual(await titles(two, reader, spec.id), ['B2', 'C']);

  // A refused write changes nothing and the cached page stays right.
  assert.equal(
    await write(one, reader, 'PATCH', `/api/v1/items/${b.id}`, { title: 'viewer edit' }),
    403,
  );
  assert.deepEqual(await titles(two, reader, spec.id), ['B2', 'C']);

  // A removed member is refused at once, though the page was cached for them a moment ago.
  assert.equal(
    await write(one, owner, 'DELETE', `/api/v1/projects/${project.id}/members/${reader.id}`),
    204,
  );
  assert.equal(await titles(two, reader, spec.id), 404);
  assert.deepEqual(await titles(two, owner, spec.id), ['B2', 'C']);
  assert.deepEqual(await titles(two, owner, spec.id), ['B2', 'C']);

  // A deleted specification is gone at once.
  assert.equal(await write(one, owner, 'DELETE', `/api/v1/specifications/${spec.id}`), 204);
  assert.equal(await titles(two, owner, spec.id), 404);
});

test('a deleted project leaves no cached page behind', async (t) => {
  const { one, two } = await sharingInstances(env, t);
  const owner = await createUser(one);
  const member = await createUser(one);
  const project = await createProject(one, owner);
  await addMember(one, owner, project.id, member, 'editor');
  const spec = await createSpecification(one, owner, project.id);
  await createItem(one, owner, spec.id, { title: 'Kept warm' });
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await titles(two, member, spec.id), ['Kept warm']);
  }
  assert.equal(await write(one, owner, 'DELETE', `/api/v1/projects/${project.id}`), 204);
  assert.equal(await titles(two, member, spec.id), 404);
  assert.equal(await titles(two, owner, spec.id), 404);
});
