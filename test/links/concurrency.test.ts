import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createLink,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';

// On PostgreSQL these requests really run at once (each its own connection); embedded, they queue.
const env = await setupTestEnv();
const app = await env.app();
const user = await createUser(app);

async function items(n: number) {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  const made = [];
  for (let i = 0; i < n; i++) made.push(await createItem(app, user, spec.id));
  return { project, spec, items: made };
}

const link = (sourceId: string, targetId: string, type: string) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/items/${sourceId}/links`,
    headers: user.auth,
    payload: { targetId, type },
  });

/** How many links a project has, read from the database. */
const linksIn = async (projectId: string) =>
  (await app.db.selectFrom('item_links').select('id').where('project_id', '=', projectId).execute())
    .length;

const codes = (responses: { statusCode: number; body: string }[]) =>
  responses.map((r) => (r.statusCode === 201 ? 201 : (JSON.parse(r.body).code as string)));

test('ten creates of the same link at once: one 201, nine 409 link_exists, one row', async () => {
  const {
    project,
    items: [a, b],
  } = await items(2);
  const results = await Promise.all(
    Array.from({ length: 10 }, () => link(a!.id, b!.id, 'verifies')),
  );
  const got = codes(results).sort();
  assert.deepEqual(got, [201, ...Array(9).fill('link_exists')].sort(), JSON.stringify(got));
  assert.equal(await linksIn(project.id), 1);
  // One revision for the one link.
  const history = await app.inject({ url: `/api/v1/items/${a!.id}/revisions`, headers: user.auth });
  assert.deepEqual(
    history.json<{ data: { action: string }[] }>().data.map((r) => r.action),
    ['linked', 'created'],
  );
});

test('two hierarchical links that would together close a circle: at most one succeeds', async () => {
  for (let round = 0; round < 5; round++) {
    const {
      project,
      items: [a, b],
    } = await items(2);
    const results = await Promise.all([link(a!.id, b!.id, 'parent'), link(b!.id, a!.id, 'parent')]);
    assert.deepEqual(codes(results).sort(), [201, 'link_cycle'].sort(), `round ${round}`);
    assert.equal(await linksIn(project.id), 1);
  }
});

test('a longer circle closed from two sides at once: at most one of the closing links lands', async () => {
  for (let round = 0; round < 5; round++) {
    const {
      project,
      items: [a, b, c, d],
    } = await items(4);
    await createLink(app, user, a!.id, b!.id, 'parent');
    await createLink(app, user, c!.id, d!.id, 'parent');
    // b -> c and d -> a together would make a -> b -> c -> d -> a.
    const results = await Promise.all([link(b!.id, c!.id, 'parent'), link(d!.id, a!.id, 'parent')]);
    assert.deepEqual(codes(results).sort(), [201, 'link_cycle'].sort(), `round ${round}`);
    assert.equal(await linksIn(project.id), 3);
  }
});

test('plain types may form cycles, also when both directions are created at once', async () => {
  const {
    items: [a, b],
  } = await items(2);
  const results = await Promise.all([
    link(a!.id, b!.id, 'relates_to'),
    link(b!.id, a!.id, 'relates_to'),
  ]);
  assert.deepEqual(codes(results), [201, 201]);
});

test('links racing the deletion of their target, edits of it and clears: never a 5xx, no dangling link', async () => {
  const { project, items: all } = await items(8);
  const [target, ...sources] = all;
  const existing = await createLink(app, user, sources[0]!.id, target!.id, 'verifies');
  const requests = [
    ...sources.slice(1).map((s) => link(s.id, target!.id, 'verifies')),
    app.inject({
      method: 'PATCH',
      url: `/api/v1/items/${target!.id}`,
      headers: user.auth,
      payload: { body: 'changed' },
    }),
    app.inject({ method: 'POST', url: `/api/v1/links/${existing.id}/clear`, headers: user.auth }),
    app.inject({ method: 'DELETE', url: `/api/v1/items/${target!.id}`, headers: user.auth }),
  ];
  const results = await Promise.all(requests);
  for (const r of results) assert.ok(r.statusCode < 500, `${r.statusCode} ${r.body}`);
  for (const r of results.slice(0, sources.length - 1))
    assert.ok([201, 400].includes(r.statusCode), r.body);
  assert.equal(await linksIn(project.id), 0);
});

test('deleting items linked both ways, and their specifications, at once: 204 or 404, never a 5xx', async () => {
  for (let round = 0; round < 5; round++) {
    const { project, items: all } = await items(2);
    const [a, b] = all;
    const other = await createSpecification(app, user, project.id);
    const c = await createItem(app, user, other.id);
    for (const [s, t] of [
      [a!, b!],
      [b!, a!],
      [a!, c],
      [c, a!],
      [b!, c],
      [c, b!],
    ] as const) {
      await createLink(app, user, s.id, t.id, 'relates_to');
    }
    const del = (url: string) => app.inject({ method: 'DELETE', url, headers: user.auth });
    const results = await Promise.all([
      del(`/api/v1/items/${a!.id}`),
      del(`/api/v1/items/${b!.id}`),
      del(`/api/v1/specifications/${other.id}`),
      del(`/api/v1/items/${c.id}`),
    ]);
    for (const r of results)
      assert.ok([204, 404].includes(r.statusCode), `${r.statusCode} ${r.body}`);
    assert.equal(await linksIn(project.id), 0);
  }
});

test('link types edited and links made while the project is deleted: 2xx or 404, never a 5xx', async () => {
  for (let round = 0; round < 3; round++) {
    const {
      project,
      items: [a, b],
    } = await items(2);
    const results = await Promise.all([
      app.inject({
        method: 'PUT',
        url: `/api/v1/projects/${project.id}/link-types/mitigates`,
        headers: user.auth,
        payload: { name: 'mitigates', inverseName: 'mitigated by' },
      }),
      link(a!.id, b!.id, 'verifies'),
      app.inject({ method: 'DELETE', url: `/api/v1/projects/${project.id}`, headers: user.auth }),
      app.inject({
        method: 'PUT',
        url: `/api/v1/projects/${project.id}/link-types/verifies`,
        headers: user.auth,
        payload: { name: 'verifies', inverseName: 'verified by', hierarchical: true },
      }),
    ]);
    for (const r of results)
      assert.ok(r.statusCode < 300 || r.statusCode === 404, `${r.statusCode} ${r.body}`);
    assert.equal(results[2].statusCode, 204);
    const types = await app.db
      .selectFrom('link_types')
      .select('key')
      .where('project_id', '=', project.id)
      .execute();
    assert.deepEqual(types, []);
  }
});
