import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  addMember,
  createItem,
  createLink,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const [owner, editor] = await Promise.all([createUser(app), createUser(app)]);

interface LinkType {
  key: string;
  name: string;
  inverseName: string;
  hierarchical: boolean;
  suspectFields: string[];
}

const types = async (projectId: string) => {
  const res = await app.inject({
    url: `/api/v1/projects/${projectId}/link-types`,
    headers: editor.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ data: LinkType[] }>().data;
};

const put = (projectId: string, key: string, payload: object, user = owner) =>
  app.inject({
    method: 'PUT',
    url: `/api/v1/projects/${projectId}/link-types/${key}`,
    headers: user.auth,
    payload,
  });

test('every project starts with the six default link types', async () => {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, editor, 'editor');
  const all = await types(project.id);
  assert.deepEqual(all.map((t) => t.key).sort(), [
    'depends_on',
    'implements',
    'parent',
    'refines',
    'relates_to',
    'verifies',
  ]);
  const parent = all.find((t) => t.key === 'parent');
  assert.deepEqual(parent, {
    key: 'parent',
    name: 'child of',
    inverseName: 'parent of',
    hierarchical: true,
    suspectFields: ['title', 'body'],
  });
  assert.ok(all.filter((t) => t.key !== 'parent').every((t) => !t.hierarchical));
  assert.ok(all.every((t) => t.suspectFields.join() === 'title,body'));
});

test('owners create and change link types; fields left out keep their value', async () => {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, editor, 'editor');
  const created = await put(project.id, 'mitigates', {
    name: 'mitigates',
    inverseName: 'mitigated by',
  });
  assert.equal(created.statusCode, 200, created.body);
  assert.deepEqual(created.json(), {
    key: 'mitigates',
    name: 'mitigates',
    inverseName: 'mitigated by',
    hierarchical: false,
    suspectFields: ['title', 'body'],
  });
  const changed = await put(project.id, 'parent', {
    name: 'part of',
    inverseName: 'has part',
    suspectFields: [],
  });
  assert.equal(changed.statusCode, 200);
  assert.deepEqual(changed.json<LinkType>().hierarchical, true);
  assert.deepEqual(changed.json<LinkType>().suspectFields, []);
  assert.equal((await types(project.id)).length, 7);

  const asEditor = await put(project.id, 'verifies', { name: 'x', inverseName: 'y' }, editor);
  assert.equal(asEditor.statusCode, 403);
  const stranger = await createUser(app);
  assert.equal(
    (await put(project.id, 'verifies', { name: 'x', inverseName: 'y' }, stranger)).statusCode,
    404,
  );
  assert.equal(
    (await app.inject({ url: `/api/v1/projects/${project.id}/link-types`, headers: stranger.auth }))
      .statusCode,
    404,
  );
  assert.equal((await types(project.id)).find((t) => t.key === 'verifies')?.name, 'verifies');
});

test('bad link types are 400 and change nothing', async () => {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, editor, 'editor');
  const cases: [string, object][] = [
    ['Verifies', { name: 'a', inverseName: 'b' }],
    ['x', { name: 'a', inverseName: 'b' }],
    ['has-dash', { name: 'a', inverseName: 'b' }],
    ['ok_key', { name: '  ', inverseName: 'b' }],
    ['ok_key', { name: 'a' }],
    ['ok_key', { name: 'a', inverseName: 'b', suspectFields: ['colour'] }],
    ['ok_key', { name: 'a', inverseName: 'b', suspectFields: ['title', 'title'] }],
    ['ok_key', { name: 'a', inverseName: 'b', hierarchical: 'yes' }],
    ['ok_key', { name: 'a', inverseName: 'b', colour: 'red' }],
  ];
  for (const [key, payload] of cases) {
    const res = await put(project.id, key, payload);
    assert.equal(res.statusCode, 400, `${key} ${JSON.stringify(payload)}: ${res.body}`);
  }
  assert.equal((await types(project.id)).length, 6);
});

test('making a type hierarchical is refused (409 link_cycle) while its links form a cycle', async () => {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, editor, 'editor');
  const spec = await createSpecification(app, owner, project.id);
  const [a, b, c] = [
    await createItem(app, owner, spec.id),
    await createItem(app, owner, spec.id),
    await createItem(app, owner, spec.id),
  ];
  await createLink(app, owner, a.id, b.id, 'refines');
  await createLink(app, owner, b.id, c.id, 'refines');
  const ring = await createLink(app, owner, c.id, a.id, 'refines');
  const refused = await put(project.id, 'refines', {
    name: 'refines',
    inverseName: 'refined by',
    hierarchical: true,
  });
  assert.equal(refused.statusCode, 409);
  assert.equal(refused.json<{ code: string }>().code, 'link_cycle');
  assert.equal((await types(project.id)).find((t) => t.key === 'refines')?.hierarchical, false);
  await app.inject({ method: 'DELETE', url: `/api/v1/links/${ring.id}`, headers: owner.auth });
  const ok = await put(project.id, 'refines', {
    name: 'refines',
    inverseName: 'refined by',
    hierarchical: true,
  });
  assert.equal(ok.statusCode, 200);
  // From now on the type refuses a cycle.
  const closing = await app.inject({
    method: 'POST',
    url: `/api/v1/items/${c.id}/links`,
    headers: editor.auth,
    payload: { targetId: a.id, type: 'refines' },
  });
  assert.equal(closing.statusCode, 409);
  assert.equal(closing.json<{ code: string }>().code, 'link_cycle');
});

test('a link type no link uses can be removed (owners); one in use is 409', async () => {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, editor, 'editor');
  const spec = await createSpecification(app, owner, project.id);
  const [a, b] = [await createItem(app, owner, spec.id), await createItem(app, owner, spec.id)];
  const l = await createLink(app, owner, a.id, b.id, 'relates_to');
  const del = (key: string, user = owner) =>
    app.inject({
      method: 'DELETE',
      url: `/api/v1/projects/${project.id}/link-types/${key}`,
      headers: user.auth,
    });
  assert.equal((await del('relates_to', editor)).statusCode, 403);
  const inUse = await del('relates_to');
  assert.equal(inUse.statusCode, 409);
  assert.equal(
    (await app.inject({ url: `/api/v1/links/${l.id}`, headers: owner.auth })).statusCode,
    200,
  );
  assert.equal((await del('implements')).statusCode, 204);
  assert.equal((await del('implements')).statusCode, 404);
  assert.deepEqual((await types(project.id)).map((t) => t.key).sort(), [
    'depends_on',
    'parent',
    'refines',
    'relates_to',
    'verifies',
  ]);
  const unknown = await app.inject({
    method: 'POST',
    url: `/api/v1/items/${a.id}/links`,
    headers: owner.auth,
    payload: { targetId: b.id, type: 'implements' },
  });
  assert.equal(unknown.statusCode, 400);
});
