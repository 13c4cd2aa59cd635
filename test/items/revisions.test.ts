import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  addMember,
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const [owner, editor] = await Promise.all([createUser(app), createUser(app)]);

interface Revision {
  version: number;
  action: string;
  changedAt: string;
  changedBy: string;
  changes: Record<string, { before: unknown; after: unknown }>;
}

const history = async (itemId: string, query = '') => {
  const res = await app.inject({
    url: `/api/v1/items/${itemId}/revisions${query}`,
    headers: owner.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ data: Revision[]; nextCursor: string | null }>();
};

test('create, change, move and delete each write a revision with who, when and before/after', async () => {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, editor, 'editor');
  const spec = await createSpecification(app, owner, project.id);
  const first = await createItem(app, owner, spec.id, { title: 'First' });
  const item = await createItem(app, owner, spec.id, { title: 'Login', body: 'v1' });

  const patch = await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${item.id}`,
    headers: editor.auth,
    payload: { body: 'v2', status: 'approved' },
  });
  assert.equal(patch.statusCode, 200);
  const moved = await app.inject({
    method: 'POST',
    url: `/api/v1/items/${item.id}/move`,
    headers: editor.auth,
    payload: { after: null },
  });
  assert.equal(moved.json<{ version: number }>().version, 3);
  const deleted = await app.inject({
    method: 'DELETE',
    url: `/api/v1/items/${item.id}`,
    headers: owner.auth,
  });
  assert.equal(deleted.statusCode, 204);

  // The item is gone, its history is not.
  const revisions = (await history(item.id)).data;
  assert.deepEqual(
    revisions.map((r) => [r.version, r.action, r.changedBy]),
    [
      [4, 'deleted', owner.id],
      [3, 'moved', editor.id],
      [2, 'updated', editor.id],
      [1, 'created', owner.id],
    ],
  );
  const [del, mov, upd, cre] = revisions;
  assert.deepEqual(cre!.changes, {
    title: { before: null, after: 'Login' },
    body: { before: null, after: 'v1' },
    status: { before: null, after: 'draft' },
  });
  assert.deepEqual(upd!.changes, {
    body: { before: 'v1', after: 'v2' },
    status: { before: 'draft', after: 'approved' },
  });
  assert.deepEqual(mov!.changes, { after: { before: first.id, after: null } });
  assert.deepEqual(del!.changes, {
    title: { before: 'Login', after: null },
    body: { before: 'v2', after: null },
    status: { before: 'approved', after: null },
  });
  assert.ok(revisions.every((r) => !Number.isNaN(Date.parse(r.changedAt))));
  assert.equal(
    (await app.inject({ url: `/api/v1/items/${item.id}`, headers: owner.auth })).statusCode,
    404,
  );
});

test('a PATCH that changes nothing writes no revision and keeps the version', async () => {
  const project = await createProject(app, owner);
  const spec = await createSpecification(app, owner, project.id);
  const item = await createItem(app, owner, spec.id, { title: 'Same' });
  const res = await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${item.id}`,
    headers: owner.auth,
    payload: { title: '  Same  ' },
  });
  assert.equal(res.json<{ version: number }>().version, 1);
  assert.equal((await history(item.id)).data.length, 1);
});

test('revisions page newest first, every one exactly once', async () => {
  const project = await createProject(app, owner);
  const spec = await createSpecification(app, owner, project.id);
  const item = await createItem(app, owner, spec.id, { title: 't0' });
  for (let i = 1; i <= 24; i++) {
    await app.inject({
      method: 'PATCH',
      url: `/api/v1/items/${item.id}`,
      headers: owner.auth,
      payload: { title: `t${i}` },
    });
  }
  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const page = await history(item.id, `?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
    assert.ok(page.data.length <= 7);
    seen.push(...page.data.map((r) => r.version));
    cursor = page.nextCursor;
  } while (cursor !== null);
  assert.deepEqual(
    seen,
    Array.from({ length: 25 }, (_, i) => 25 - i),
  );
});

test('a stranger gets 404 for the history of an item, even a deleted one', async () => {
  const stranger = await createUser(app);
  const project = await createProject(app, owner);
  const spec = await createSpecification(app, owner, project.id);
  const item = await createItem(app, owner, spec.id);
  await app.inject({ method: 'DELETE', url: `/api/v1/items/${item.id}`, headers: owner.auth });
  const res = await app.inject({
    url: `/api/v1/items/${item.id}/revisions`,
    headers: stranger.auth,
  });
  assert.equal(res.statusCode, 404);
});
