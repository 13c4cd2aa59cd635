import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  addMember,
  createItem,
  createProject,
  createSpecification,
  createUser,
  type TestUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();

const [owner, editor, viewer, stranger, other] = await Promise.all(
  Array.from({ length: 5 }, () => createUser(app)),
);
const users = { owner, editor, viewer, stranger } as Record<string, TestUser>;

interface World {
  projectId: string;
  key: string;
  specId: string;
  itemId: string;
  secondItemId: string;
  itemKey: string;
}

/** A fresh project with the four roles, a specification and two items. */
async function world(): Promise<World> {
  const project = await createProject(app, owner!, { name: 'Matrix', key: 'MX' });
  await addMember(app, owner!, project.id, editor!, 'editor');
  await addMember(app, owner!, project.id, viewer!, 'viewer');
  await addMember(app, owner!, project.id, other!, 'viewer');
  const spec = await createSpecification(app, owner!, project.id);
  const item = await createItem(app, owner!, spec.id, { title: 'First', body: 'one' });
  const second = await createItem(app, owner!, spec.id, { title: 'Second' });
  return {
    projectId: project.id,
    key: project.key,
    specId: spec.id,
    itemId: item.id,
    secondItemId: second.id,
    itemKey: item.key,
  };
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface Row {
  method: Method;
  url: (w: World) => string;
  body?: (w: World) => object;
  /** Expected status for owner, editor, viewer, stranger. */
  expect: [number, number, number, number];
}

const rows: Row[] = [
  { method: 'GET', url: (w) => `/projects/${w.projectId}`, expect: [200, 200, 200, 404] },
  {
    method: 'PATCH',
    url: (w) => `/projects/${w.projectId}`,
    body: () => ({ name: 'Renamed' }),
    expect: [200, 403, 403, 404],
  },
  { method: 'DELETE', url: (w) => `/projects/${w.projectId}`, expect: [204, 403, 403, 404] },
  { method: 'GET', url: (w) => `/projects/${w.projectId}/members`, expect: [200, 200, 200, 404] },
  {
    method: 'POST',
    url: (w) => `/projects/${w.projectId}/members`,
    body: () => ({ email: stranger!.email, role: 'viewer' }),
    expect: [201, 403, 403, 404],
  },
  {
    method: 'PATCH',
    url: (w) => `/projects/${w.projectId}/members/${other!.id}`,
    body: () => ({ role: 'editor' }),
    expect: [200, 403, 403, 404],
  },
  {
    method: 'DELETE',
    url: (w) => `/projects/${w.projectId}/members/${other!.id}`,
    expect: [204, 403, 403, 404],
  },
  {
    method: 'GET',
    url: (w) => `/projects/${w.projectId}/specifications`,
    expect: [200, 200, 200, 404],
  },
  {
    method: 'POST',
    url: (w) => `/projects/${w.projectId}/specifications`,
    body: () => ({ title: 'New spec' }),
    expect: [201, 201, 403, 404],
  },
  { method: 'GET', url: (w) => `/specifications/${w.specId}`, expect: [200, 200, 200, 404] },
  {
    method: 'PATCH',
    url: (w) => `/specifications/${w.specId}`,
    body: () => ({ status: 'approved' }),
    expect: [200, 200, 403, 404],
  },
  { method: 'DELETE', url: (w) => `/specifications/${w.specId}`, expect: [204, 204, 403, 404] },
  {
    method: 'GET',
    url: (w) => `/specifications/${w.specId}/export?format=csv`,
    expect: [200, 200, 200, 404],
  },
  { method: 'GET', url: (w) => `/specifications/${w.specId}/items`, expect: [200, 200, 200, 404] },
  {
    method: 'POST',
    url: (w) => `/specifications/${w.specId}/items`,
    body: () => ({ title: 'New item' }),
    expect: [201, 201, 403, 404],
  },
  { method: 'GET', url: (w) => `/items/${w.itemId}`, expect: [200, 200, 200, 404] },
  {
    method: 'PATCH',
    url: (w) => `/items/${w.itemId}`,
    body: () => ({ body: 'changed' }),
    expect: [200, 200, 403, 404],
  },
  { method: 'DELETE', url: (w) => `/items/${w.itemId}`, expect: [204, 204, 403, 404] },
  {
    method: 'POST',
    url: (w) => `/items/${w.itemId}/move`,
    body: (w) => ({ after: w.secondItemId }),
    expect: [200, 200, 403, 404],
  },
  { method: 'GET', url: (w) => `/items/${w.itemId}/revisions`, expect: [200, 200, 200, 404] },
  {
    method: 'GET',
    url: (w) => `/projects/${w.projectId}/items/${w.itemKey}`,
    expect: [200, 200, 200, 404],
  },
];

/** What an owner sees of the world: it must not change after a refused request. */
async function snapshot(w: World) {
  const get = async (url: string) =>
    (await app.inject({ url: `/api/v1${url}`, headers: owner!.auth })).json<unknown>();
  return {
    project: await get(`/projects/${w.projectId}`),
    members: await get(`/projects/${w.projectId}/members`),
    specs: await get(`/projects/${w.projectId}/specifications`),
    items: await get(`/specifications/${w.specId}/items`),
  };
}

for (const row of rows) {
  const placeholders = {
    projectId: '{p}',
    specId: '{s}',
    itemId: '{i}',
    secondItemId: '{i2}',
    key: 'MX',
    itemKey: '{key}',
  };
  const path = row.url(placeholders).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{user}');
  test(`access: ${row.method} ${path} → ${row.expect.join('/')} (owner/editor/viewer/stranger)`, async () => {
    for (const [index, role] of ['owner', 'editor', 'viewer', 'stranger'].entries()) {
      const w = await world();
      const before = await snapshot(w);
      const res = await app.inject({
        method: row.method,
        url: `/api/v1${row.url(w)}`,
        headers: users[role]!.auth,
        ...(row.body ? { payload: row.body(w) } : {}),
      });
      assert.equal(res.statusCode, row.expect[index], `${role}: ${res.body}`);
      if (res.statusCode >= 400) {
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal(
          res.json<{ code: string }>().code,
          res.statusCode === 404 ? 'not_found' : 'forbidden',
        );
        assert.deepEqual(await snapshot(w), before, `${role}'s refused request changed nothing`);
      }
    }
  });
}

test('a stranger cannot tell a project that exists from one that does not', async () => {
  const w = await world();
  const real = await app.inject({
    url: `/api/v1/projects/${w.projectId}`,
    headers: stranger!.auth,
  });
  const ghost = await app.inject({
    url: `/api/v1/projects/${randomUUID()}`,
    headers: stranger!.auth,
  });
  assert.equal(real.statusCode, 404);
  assert.equal(ghost.statusCode, 404);
  assert.deepEqual(real.json(), ghost.json());
  const realItem = await app.inject({ url: `/api/v1/items/${w.itemId}`, headers: stranger!.auth });
  const ghostItem = await app.inject({
    url: `/api/v1/items/${randomUUID()}`,
    headers: stranger!.auth,
  });
  assert.deepEqual(realItem.json(), ghostItem.json());
});

test('GET /projects lists only the caller’s projects, with the caller’s role', async () => {
  const w = await world();
  const list = async (user: TestUser) =>
    (await app.inject({ url: '/api/v1/projects?limit=100', headers: user.auth })).json<{
      data: { id: string; role: string }[];
    }>().data;
  assert.equal((await list(owner!)).find((p) => p.id === w.projectId)?.role, 'owner');
  assert.equal((await list(editor!)).find((p) => p.id === w.projectId)?.role, 'editor');
  assert.equal((await list(viewer!)).find((p) => p.id === w.projectId)?.role, 'viewer');
  assert.equal(
    (await list(stranger!)).find((p) => p.id === w.projectId),
    undefined,
  );
});

test('every project route needs a valid token: 401 with WWW-Authenticate', async () => {
  const w = await world();
  for (const row of rows) {
    const res = await app.inject({
      method: row.method,
      url: `/api/v1${row.url(w)}`,
      ...(row.body ? { payload: row.body(w) } : {}),
    });
    assert.equal(res.statusCode, 401, `${row.method} ${row.url(w)}`);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
  }
});
