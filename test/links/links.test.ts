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
  type TestLink,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const [owner, editor, viewer, stranger] = await Promise.all([
  createUser(app),
  createUser(app),
  createUser(app),
  createUser(app),
]);

/** A project with a requirements and a tests specification, members of every role. */
async function fixture() {
  const project = await createProject(app, owner, { key: 'TRC' });
  await addMember(app, owner, project.id, editor, 'editor');
  await addMember(app, owner, project.id, viewer, 'viewer');
  const reqs = await createSpecification(app, owner, project.id, { title: 'Requirements' });
  const tests = await createSpecification(app, owner, project.id, { title: 'Tests' });
  const req = await createItem(app, owner, reqs.id, { title: 'Lock after 10 failures' });
  const test1 = await createItem(app, owner, tests.id, { title: 'Lockout test' });
  return { project, reqs, tests, req, test: test1 };
}

const linkCount = async () =>
  Number(
    (
      await app.db
        .selectFrom('item_links')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

test('an editor links a test to a requirement across specifications: 201, the link, an ETag', async () => {
  const f = await fixture();
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/items/${f.test.id}/links`,
    headers: editor.auth,
    payload: { targetId: f.req.id, type: 'verifies' },
  });
  assert.equal(res.statusCode, 201, res.body);
  const link = res.json<TestLink & Record<string, unknown>>();
  assert.equal(res.headers.etag, '"1"');
  assert.equal(link.projectId, f.project.id);
  assert.equal(link.type, 'verifies');
  assert.deepEqual(link.source, {
    id: f.test.id,
    key: f.test.key,
    title: 'Lockout test',
    specificationId: f.tests.id,
  });
  assert.deepEqual(link.target, {
    id: f.req.id,
    key: f.req.key,
    title: 'Lock after 10 failures',
    specificationId: f.reqs.id,
  });
  assert.equal(link.suspect, false);
  assert.equal(link.suspectSince, null);
  assert.equal(link.createdBy, editor.id);
  assert.equal(link.version, 1);

  const got = await app.inject({ url: `/api/v1/links/${link.id}`, headers: viewer.auth });
  assert.equal(got.statusCode, 200);
  assert.deepEqual(got.json(), link);

  // The item responses keep their shape; the source moved to its next version.
  const source = await app.inject({ url: `/api/v1/items/${f.test.id}`, headers: owner.auth });
  assert.deepEqual(Object.keys(source.json<object>()).sort(), [
    'body',
    'createdAt',
    'createdBy',
    'id',
    'key',
    'specificationId',
    'status',
    'title',
    'updatedAt',
    'updatedBy',
    'version',
  ]);
  assert.equal(source.json<{ version: number }>().version, 2);
  const target = await app.inject({ url: `/api/v1/items/${f.req.id}`, headers: owner.auth });
  assert.equal(target.json<{ version: number }>().version, 1);
});

test('the same source, target and type again is 409 link_exists; another type is a new link', async () => {
  const f = await fixture();
  await createLink(app, owner, f.test.id, f.req.id, 'verifies');
  const again = await app.inject({
    method: 'POST',
    url: `/api/v1/items/${f.test.id}/links`,
    headers: editor.auth,
    payload: { targetId: f.req.id, type: 'verifies' },
  });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json<{ code: string }>().code, 'link_exists');
  await createLink(app, owner, f.test.id, f.req.id, 'relates_to');
  // The reverse direction is another link.
  await createLink(app, owner, f.req.id, f.test.id, 'verifies');
});

test('bad input is a clear 400 or 404 and writes nothing', async () => {
  const f = await fixture();
  const other = await createProject(app, owner, { key: 'OTH' });
  const otherSpec = await createSpecification(app, owner, other.id);
  const foreign = await createItem(app, owner, otherSpec.id);
  const before = await linkCount();
  const cases: [string, string, unknown, number, string | null][] = [
    ['self-link', f.req.id, { targetId: f.req.id, type: 'verifies' }, 400, 'targetId'],
    [
      'self-link, upper case',
      f.req.id,
      { targetId: f.req.id.toUpperCase(), type: 'verifies' },
      400,
      'targetId',
    ],
    [
      'target in another project',
      f.test.id,
      { targetId: foreign.id, type: 'verifies' },
      400,
      'targetId',
    ],
    [
      'target that does not exist',
      f.test.id,
      { targetId: '01900000-0000-7000-8000-000000000000', type: 'verifies' },
      400,
      'targetId',
    ],
    ['unknown type', f.test.id, { targetId: f.req.id, type: 'blesses' }, 400, 'type'],
    [
      'malformed target id',
      f.test.id,
      { targetId: 'not-a-uuid', type: 'verifies' },
      400,
      'targetId',
    ],
    ['missing type', f.test.id, { targetId: f.req.id }, 400, 'type'],
    [
      'extra property',
      f.test.id,
      { targetId: f.req.id, type: 'verifies', suspect: true },
      400,
      'suspect',
    ],
    [
      'source that does not exist',
      '01900000-0000-7000-8000-000000000000',
      { targetId: f.req.id, type: 'verifies' },
      404,
      null,
    ],
  ];
  for (const [name, sourceId, payload, status, path] of cases) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/items/${sourceId}/links`,
      headers: owner.auth,
      payload: payload as object,
    });
    assert.equal(res.statusCode, status, `${name}: ${res.body}`);
    const problem = res.json<{ code: string; errors?: { path: string }[] }>();
    if (path)
      assert.ok(
        problem.errors?.some((e) => e.path === path),
        `${name}: ${res.body}`,
      );
  }
  const malformed = await app.inject({
    method: 'POST',
    url: '/api/v1/items/nope/links',
    headers: owner.auth,
    payload: { targetId: f.req.id, type: 'verifies' },
  });
  assert.equal(malformed.statusCode, 400);
  assert.equal(await linkCount(), before);
  // Nothing half-written: the source kept its version, and its history has no link entry.
  const source = await app.inject({ url: `/api/v1/items/${f.test.id}`, headers: owner.auth });
  assert.equal(source.json<{ version: number }>().version, 1);
});

test('access: members read, editors write, viewers get 403, strangers 404 on every route', async () => {
  const f = await fixture();
  const link = await createLink(app, owner, f.test.id, f.req.id);
  const newLink = { targetId: f.req.id, type: 'relates_to' };
  const reads = [
    `/api/v1/items/${f.test.id}/links`,
    `/api/v1/links/${link.id}`,
    `/api/v1/projects/${f.project.id}/suspect-links`,
    `/api/v1/projects/${f.project.id}/link-types`,
    `/api/v1/items/${f.req.id}/impact`,
    `/api/v1/specifications/${f.reqs.id}/coverage`,
    `/api/v1/specifications/${f.reqs.id}/trace`,
  ];
  for (const url of reads) {
    assert.equal((await app.inject({ url, headers: viewer.auth })).statusCode, 200, url);
    const hidden = await app.inject({ url, headers: stranger.auth });
    assert.equal(hidden.statusCode, 404, `stranger ${url}`);
    assert.equal((await app.inject({ url })).statusCode, 401, `anonymous ${url}`);
  }
  const writes = [
    { method: 'POST' as const, url: `/api/v1/items/${f.test.id}/links`, payload: newLink },
    { method: 'POST' as const, url: `/api/v1/links/${link.id}/clear` },
    { method: 'DELETE' as const, url: `/api/v1/links/${link.id}` },
  ];
  for (const w of writes) {
    const asViewer = await app.inject({ ...w, headers: viewer.auth });
    assert.equal(asViewer.statusCode, 403, `viewer ${w.method} ${w.url}`);
    assert.equal(asViewer.json<{ code: string }>().code, 'forbidden');
    const asStranger = await app.inject({ ...w, headers: stranger.auth });
    assert.equal(asStranger.statusCode, 404, `stranger ${w.method} ${w.url}`);
  }
  // Whatever the body, a stranger gets 404 and a viewer 403 (a self-link included).
  const self = { targetId: f.test.id, type: 'verifies' };
  const selfUrl = `/api/v1/items/${f.test.id}/links`;
  const asStranger = await app.inject({
    method: 'POST',
    url: selfUrl,
    headers: stranger.auth,
    payload: self,
  });
  assert.equal(asStranger.statusCode, 404);
  const asViewer = await app.inject({
    method: 'POST',
    url: selfUrl,
    headers: viewer.auth,
    payload: self,
  });
  assert.equal(asViewer.statusCode, 403);
  // A stranger who links their own item to ours learns nothing either: 400 as for no such item.
  const theirs = await createProject(app, stranger);
  const theirSpec = await createSpecification(app, stranger, theirs.id);
  const theirItem = await createItem(app, stranger, theirSpec.id);
  const probe = await app.inject({
    method: 'POST',
    url: `/api/v1/items/${theirItem.id}/links`,
    headers: stranger.auth,
    payload: { targetId: f.req.id, type: 'verifies' },
  });
  assert.equal(probe.statusCode, 400);
  assert.equal(probe.json<{ detail: string }>().detail, 'targetId is not an item of this project');
  // The editor's writes succeed.
  assert.equal((await app.inject({ ...writes[0]!, headers: editor.auth })).statusCode, 201);
  assert.equal((await app.inject({ ...writes[2]!, headers: editor.auth })).statusCode, 204);
  assert.equal(
    (await app.inject({ url: `/api/v1/links/${link.id}`, headers: owner.auth })).statusCode,
    404,
  );
});

test("an item's links page by direction and type, every link exactly once across pages", async () => {
  const f = await fixture();
  const others = [];
  for (let i = 0; i < 5; i++) others.push(await createItem(app, owner, f.tests.id));
  for (const o of others) await createLink(app, owner, o.id, f.req.id, 'verifies');
  await createLink(app, owner, f.req.id, others[0]!.id, 'depends_on');
  await createLink(app, owner, f.req.id, others[1]!.id, 'relates_to');

  const page = async (query: string) => {
    const res = await app.inject({
      url: `/api/v1/items/${f.req.id}/links?${query}`,
      headers: viewer.auth,
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ data: TestLink[]; nextCursor: string | null }>();
  };
  assert.equal((await page('')).data.length, 7);
  assert.equal((await page('direction=incoming')).data.length, 5);
  const outgoing = await page('direction=outgoing');
  assert.deepEqual(outgoing.data.map((l) => l.type).sort(), ['depends_on', 'relates_to']);
  assert.ok(outgoing.data.every((l) => l.source.id === f.req.id));
  assert.equal((await page('direction=both&type=relates_to')).data.length, 1);
  assert.equal((await page('type=implements')).data.length, 0);

  const seen: string[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const p = await page(`limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...p.data.map((l) => l.id));
    cursor = p.nextCursor;
  }
  assert.equal(seen.length, 7);
  assert.equal(new Set(seen).size, 7);

  for (const bad of [
    'direction=sideways',
    'limit=0',
    'limit=101',
    'cursor=abc',
    'type=blesses',
    'colour=red',
  ]) {
    const res = await app.inject({
      url: `/api/v1/items/${f.req.id}/links?${bad}`,
      headers: viewer.auth,
    });
    assert.equal(res.statusCode, 400, bad);
  }
});

test("creating, deleting and clearing a link land in the source item's history", async () => {
  const f = await fixture();
  const link = await createLink(app, editor, f.test.id, f.req.id);
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${f.req.id}`,
    headers: owner.auth,
    payload: { title: 'Lock after 5 failures' },
  });
  const cleared = await app.inject({
    method: 'POST',
    url: `/api/v1/links/${link.id}/clear`,
    headers: editor.auth,
  });
  assert.equal(cleared.statusCode, 200);
  const deleted = await app.inject({
    method: 'DELETE',
    url: `/api/v1/links/${link.id}`,
    headers: owner.auth,
  });
  assert.equal(deleted.statusCode, 204);

  const res = await app.inject({
    url: `/api/v1/items/${f.test.id}/revisions`,
    headers: viewer.auth,
  });
  const revisions = res.json<{
    data: {
      version: number;
      action: string;
      changedBy: string;
      changedAt: string;
      changes: Record<string, { before: unknown; after: unknown }>;
    }[];
  }>().data;
  assert.deepEqual(
    revisions.map((r) => [r.version, r.action, r.changedBy]),
    [
      [4, 'unlinked', owner.id],
      [3, 'link_cleared', editor.id],
      [2, 'linked', editor.id],
      [1, 'created', owner.id],
    ],
  );
  const named = { id: link.id, type: 'verifies', target: f.req.key, targetId: f.req.id };
  assert.deepEqual(revisions[2]!.changes, {
    link: { before: null, after: { ...named, suspect: false } },
  });
  const clearing = revisions[1]!.changes.link as {
    before: Record<string, unknown>;
    after: Record<string, unknown>;
  };
  assert.equal(clearing.before.suspect, true);
  assert.equal(typeof clearing.before.suspectSince, 'string');
  assert.deepEqual(clearing.after, { ...named, suspect: false });
  assert.deepEqual(revisions[0]!.changes, {
    link: { before: { ...named, suspect: false }, after: null },
  });
  // The target's history is its own: one create and one change.
  const target = await app.inject({
    url: `/api/v1/items/${f.req.id}/revisions`,
    headers: viewer.auth,
  });
  assert.deepEqual(
    target.json<{ data: { action: string }[] }>().data.map((r) => r.action),
    ['updated', 'created'],
  );
});

test('DELETE and clear honour If-Match on the link; deleting twice is 404', async () => {
  const f = await fixture();
  const link = await createLink(app, owner, f.test.id, f.req.id);
  for (const method of ['DELETE', 'POST'] as const) {
    const url = method === 'DELETE' ? `/api/v1/links/${link.id}` : `/api/v1/links/${link.id}/clear`;
    const stale = await app.inject({ method, url, headers: { ...owner.auth, 'if-match': '"7"' } });
    assert.equal(stale.statusCode, 412, method);
  }
  assert.equal((await linkCount()) > 0, true);
  const ok = await app.inject({
    method: 'DELETE',
    url: `/api/v1/links/${link.id}`,
    headers: { ...owner.auth, 'if-match': '"1"' },
  });
  assert.equal(ok.statusCode, 204);
  const again = await app.inject({
    method: 'DELETE',
    url: `/api/v1/links/${link.id}`,
    headers: owner.auth,
  });
  assert.equal(again.statusCode, 404);
});

test('deleting an item removes its links both ways and its history says which they were', async () => {
  const f = await fixture();
  const design = await createItem(app, owner, f.reqs.id, { title: 'Design' });
  await createLink(app, owner, f.test.id, f.req.id, 'verifies');
  await createLink(app, owner, f.req.id, design.id, 'refines');
  await createLink(app, owner, f.test.id, design.id, 'relates_to');
  const res = await app.inject({
    method: 'DELETE',
    url: `/api/v1/items/${f.req.id}`,
    headers: owner.auth,
  });
  assert.equal(res.statusCode, 204);
  const left = await app.db
    .selectFrom('item_links')
    .select(['source_id', 'target_id', 'type'])
    .where('project_id', '=', f.project.id)
    .execute();
  assert.deepEqual(left, [{ source_id: f.test.id, target_id: design.id, type: 'relates_to' }]);
  const history = await app.inject({
    url: `/api/v1/items/${f.req.id}/revisions`,
    headers: owner.auth,
  });
  const deletion = history.json<{
    data: { action: string; changes: Record<string, { before: unknown }> }[];
  }>().data[0]!;
  assert.equal(deletion.action, 'deleted');
  assert.deepEqual(deletion.changes.links!.before, [
    { type: 'verifies', source: f.test.key, target: f.req.key },
    { type: 'refines', source: f.req.key, target: design.key },
  ]);
});

test('deleting a specification or a project removes their links', async () => {
  const f = await fixture();
  const link = await createLink(app, owner, f.test.id, f.req.id);
  const inner = await createItem(app, owner, f.tests.id);
  await createLink(app, owner, inner.id, f.test.id, 'depends_on');
  const keep = await createLink(app, owner, inner.id, f.req.id, 'relates_to');
  // The tests specification goes: its items' links go, whatever the other end.
  assert.equal(
    (
      await app.inject({
        method: 'DELETE',
        url: `/api/v1/specifications/${f.tests.id}`,
        headers: owner.auth,
      })
    ).statusCode,
    204,
  );
  const left = await app.db
    .selectFrom('item_links')
    .select('id')
    .where('project_id', '=', f.project.id)
    .execute();
  assert.deepEqual(left, []);
  assert.equal(
    (await app.inject({ url: `/api/v1/links/${link.id}`, headers: owner.auth })).statusCode,
    404,
  );
  assert.equal(
    (await app.inject({ url: `/api/v1/links/${keep.id}`, headers: owner.auth })).statusCode,
    404,
  );

  const g = await fixture();
  await createLink(app, owner, g.test.id, g.req.id);
  assert.equal(
    (
      await app.inject({
        method: 'DELETE',
        url: `/api/v1/projects/${g.project.id}`,
        headers: owner.auth,
      })
    ).statusCode,
    204,
  );
  for (const table of ['item_links', 'link_types'] as const) {
    const rows = await app.db
      .selectFrom(table)
      .select('project_id')
      .where('project_id', '=', g.project.id)
      .execute();
    assert.deepEqual(rows, [], table);
  }
});
