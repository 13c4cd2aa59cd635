import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
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
const [owner, editor, viewer, stranger] = await Promise.all([
  createUser(app),
  createUser(app),
  createUser(app),
  createUser(app),
]);

interface Baseline {
  id: string;
  projectId: string;
  specificationId: string;
  name: string;
  description: string | null;
  createdBy: string;
  itemCount: number;
  contentHash: string;
  version: number;
}

interface KeptItem {
  id: string;
  key: string;
  title: string;
  body: string;
  status: string;
  version: number;
  links: { type: string; target: { id: string; key: string; title: string } }[];
}

/** A project with members of every role, a specification of three items, one linked to another. */
async function fixture() {
  const project = await createProject(app, owner, { key: 'BAS' });
  await addMember(app, owner, project.id, editor, 'editor');
  await addMember(app, owner, project.id, viewer, 'viewer');
  const spec = await createSpecification(app, owner, project.id, { title: 'Requirements' });
  const other = await createSpecification(app, owner, project.id, { title: 'Tests' });
  const a = await createItem(app, owner, spec.id, { title: 'Alpha', body: 'alpha body' });
  const b = await createItem(app, owner, spec.id, { title: 'Beta', body: 'beta body' });
  const c = await createItem(app, owner, spec.id, { title: 'Gamma', status: 'approved' });
  const t = await createItem(app, owner, other.id, { title: 'Test of alpha' });
  await createLink(app, owner, a.id, b.id, 'depends_on');
  await createLink(app, owner, a.id, t.id, 'relates_to');
  return { project, spec, other, a, b, c, t };
}

async function takeBaseline(specId: string, name = 'v1', user = editor) {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${specId}/baselines`,
    headers: user.auth,
    payload: { name, description: 'As agreed on 3 March' },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { res, baseline: res.json<Baseline>() };
}

async function keptItems(baselineId: string, user = viewer): Promise<KeptItem[]> {
  const res = await app.inject({
    url: `/api/v1/baselines/${baselineId}/items?limit=100`,
    headers: user.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ data: KeptItem[] }>().data;
}

const rowCount = async (table: 'baselines' | 'baseline_items') =>
  Number(
    (
      await app.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

test('an editor takes a baseline: 201 with Location and ETag, the items in document order with their outgoing links', async () => {
  const f = await fixture();
  const { res, baseline } = await takeBaseline(f.spec.id);
  assert.equal(res.headers.location, `/api/v1/baselines/${baseline.id}`);
  assert.equal(res.headers.etag, '"1"');
  assert.equal(baseline.specificationId, f.spec.id);
  assert.equal(baseline.projectId, f.project.id);
  assert.equal(baseline.name, 'v1');
  assert.equal(baseline.description, 'As agreed on 3 March');
  assert.equal(baseline.createdBy, editor.id);
  assert.equal(baseline.itemCount, 3);
  assert.match(baseline.contentHash, /^[0-9a-f]{64}$/);

  const items = await keptItems(baseline.id);
  assert.deepEqual(
    items.map((i) => [i.key, i.title, i.body, i.status]),
    [
      [f.a.key, 'Alpha', 'alpha body', 'draft'],
      [f.b.key, 'Beta', 'beta body', 'draft'],
      [f.c.key, 'Gamma', '', 'approved'],
    ],
  );
  // Alpha's two links (each bumped its version), by type: depends_on, then relates_to.
  assert.equal(items[0]!.version, 3);
  assert.deepEqual(
    items[0]!.links.map((l) => [l.type, l.target.key, l.target.title]),
    [
      ['depends_on', f.b.key, 'Beta'],
      ['relates_to', f.t.key, 'Test of alpha'],
    ],
  );
  assert.deepEqual(items[1]!.links, []);

  const got = await app.inject({ url: `/api/v1/baselines/${baseline.id}`, headers: viewer.auth });
  assert.equal(got.statusCode, 200);
  assert.equal(got.headers.etag, '"1"');
  assert.deepEqual(got.json(), baseline);
});

test('a baseline never changes: edits, moves, new links, deletions of items and of linked items leave it as taken', async () => {
  const f = await fixture();
  const { baseline } = await takeBaseline(f.spec.id);
  const before = await keptItems(baseline.id);

  const patch = await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${f.b.id}`,
    headers: editor.auth,
    payload: { title: 'Beta, renamed', body: 'changed', status: 'obsolete' },
  });
  assert.equal(patch.statusCode, 200);
  await app.inject({
    method: 'POST',
    url: `/api/v1/items/${f.c.id}/move`,
    headers: editor.auth,
    payload: { after: null },
  });
  await createLink(app, editor, f.c.id, f.a.id, 'refines');
  for (const gone of [f.t.id, f.a.id]) {
    const del = await app.inject({
      method: 'DELETE',
      url: `/api/v1/items/${gone}`,
      headers: editor.auth,
    });
    assert.equal(del.statusCode, 204);
  }
  await createItem(app, editor, f.spec.id, { title: 'Delta' });

  assert.deepEqual(await keptItems(baseline.id), before);
  const again = await app.inject({ url: `/api/v1/baselines/${baseline.id}`, headers: owner.auth });
  assert.deepEqual(again.json(), baseline);
  // There is no change of a baseline.
  const put = await app.inject({
    method: 'PATCH',
    url: `/api/v1/baselines/${baseline.id}`,
    headers: owner.auth,
    payload: { name: 'v2' },
  });
  assert.equal(put.statusCode, 404);
});

test('the content hash is recomputed from the JSON export with the documented canonical form', async () => {
  const f = await fixture();
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${f.c.id}`,
    headers: editor.auth,
    payload: { body: 'Ünïcödé "quotes" \\ and\nnew lines 🚀' },
  });
  const { baseline } = await takeBaseline(f.spec.id);
  const res = await app.inject({
    url: `/api/v1/baselines/${baseline.id}/export?format=json`,
    headers: viewer.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const file = res.json<{ baseline: Baseline; items: KeptItem[] }>();
  assert.deepEqual(file.baseline, baseline);
  const hash = createHash('sha256');
  for (const i of file.items) {
    const links = i.links.map((l) => [l.type, l.target.id]);
    hash.update(`${JSON.stringify([i.key, i.title, i.body, i.status, i.version, links])}\n`);
  }
  assert.equal(hash.digest('hex'), baseline.contentHash);

  // Two baselines of unchanged items have one hash; any change gives another.
  const { baseline: same } = await takeBaseline(f.spec.id, 'v1 again');
  assert.equal(same.contentHash, baseline.contentHash);
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${f.a.id}`,
    headers: editor.auth,
    payload: { status: 'in_review' },
  });
  const { baseline: changed } = await takeBaseline(f.spec.id, 'v2');
  assert.notEqual(changed.contentHash, baseline.contentHash);
});

test('a baseline exports as Markdown and CSV too, and an empty specification gives an empty baseline', async () => {
  const f = await fixture();
  const { baseline } = await takeBaseline(f.spec.id, 'Release 1.0');
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${f.a.id}`,
    headers: editor.auth,
    payload: { title: 'Alpha, later' },
  });
  const md = await app.inject({
    url: `/api/v1/baselines/${baseline.id}/export?format=markdown`,
    headers: viewer.auth,
  });
  assert.equal(md.statusCode, 200);
  assert.match(String(md.headers['content-disposition']), /requirements-release-1-0\.md/);
  assert.match(md.body, /^# Requirements\n\nBaseline: Release 1\.0, taken /);
  assert.ok(md.body.includes(`Content hash (SHA-256): ${baseline.contentHash}`));
  assert.ok(md.body.includes(`## ${f.a.key} Alpha\n`), md.body);
  assert.ok(!md.body.includes('Alpha, later'));
  const csv = await app.inject({
    url: `/api/v1/baselines/${baseline.id}/export?format=csv`,
    headers: viewer.auth,
  });
  assert.equal(csv.statusCode, 200);
  assert.equal(csv.body.trim().split('\n').length, 4);
  const bad = await app.inject({
    url: `/api/v1/baselines/${baseline.id}/export?format=pdf`,
    headers: viewer.auth,
  });
  assert.equal(bad.statusCode, 400);

  const empty = await createSpecification(app, owner, f.project.id, { title: 'Empty' });
  const { baseline: none } = await takeBaseline(empty.id);
  assert.equal(none.itemCount, 0);
  // SHA-256 of nothing.
  assert.equal(
    none.contentHash,
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
  assert.deepEqual(await keptItems(none.id), []);
});

test('baselines are listed newest first and paged; items of a baseline are paged in order', async () => {
  const f = await fixture();
  const names = ['one', 'two', 'three'];
  for (const name of names) await takeBaseline(f.spec.id, name);
  const first = await app.inject({
    url: `/api/v1/specifications/${f.spec.id}/baselines?limit=2`,
    headers: viewer.auth,
  });
  assert.equal(first.statusCode, 200);
  const page = first.json<{ data: Baseline[]; nextCursor: string }>();
  assert.deepEqual(
    page.data.map((b) => b.name),
    ['three', 'two'],
  );
  const second = await app.inject({
    url: `/api/v1/specifications/${f.spec.id}/baselines?limit=2&cursor=${page.nextCursor}`,
    headers: viewer.auth,
  });
  assert.deepEqual(
    second.json<{ data: Baseline[]; nextCursor: null }>().data.map((b) => b.name),
    ['one'],
  );
  const baselineId = page.data[0]!.id;
  const items1 = await app.inject({
    url: `/api/v1/baselines/${baselineId}/items?limit=2`,
    headers: viewer.auth,
  });
  const p1 = items1.json<{ data: KeptItem[]; nextCursor: string }>();
  const items2 = await app.inject({
    url: `/api/v1/baselines/${baselineId}/items?limit=2&cursor=${p1.nextCursor}`,
    headers: viewer.auth,
  });
  const p2 = items2.json<{ data: KeptItem[]; nextCursor: string | null }>();
  assert.deepEqual(
    [...p1.data, ...p2.data].map((i) => i.key),
    [f.a.key, f.b.key, f.c.key],
  );
  assert.equal(p2.nextCursor, null);
  const tampered = await app.inject({
    url: `/api/v1/baselines/${baselineId}/items?cursor=not-a-cursor`,
    headers: viewer.auth,
  });
  assert.equal(tampered.statusCode, 400);
});

test('access: viewers read but may not take one; strangers get 404 everywhere; only owners delete', async () => {
  const f = await fixture();
  const { baseline } = await takeBaseline(f.spec.id);
  const viewerTakes = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${f.spec.id}/baselines`,
    headers: viewer.auth,
    payload: { name: 'mine' },
  });
  assert.equal(viewerTakes.statusCode, 403);
  assert.equal(viewerTakes.json<{ code: string }>().code, 'forbidden');
  for (const url of [
    `/api/v1/baselines/${baseline.id}`,
    `/api/v1/baselines/${baseline.id}/items`,
    `/api/v1/baselines/${baseline.id}/export?format=json`,
    `/api/v1/specifications/${f.spec.id}/baselines`,
    `/api/v1/specifications/${f.spec.id}/diff?from=${baseline.id}`,
  ]) {
    const res = await app.inject({ url, headers: stranger.auth });
    assert.equal(res.statusCode, 404, url);
  }
  const strangerTakes = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${f.spec.id}/baselines`,
    headers: stranger.auth,
    payload: { name: 'mine' },
  });
  assert.equal(strangerTakes.statusCode, 404);
  const anonymous = await app.inject({ url: `/api/v1/baselines/${baseline.id}` });
  assert.equal(anonymous.statusCode, 401);

  for (const [user, status] of [
    [stranger, 404],
    [viewer, 403],
    [editor, 403],
  ] as const) {
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/baselines/${baseline.id}`,
      headers: user.auth,
    });
    assert.equal(res.statusCode, status);
  }
  const stale = await app.inject({
    method: 'DELETE',
    url: `/api/v1/baselines/${baseline.id}`,
    headers: { ...owner.auth, 'if-match': '"2"' },
  });
  assert.equal(stale.statusCode, 412);
  const itemsBefore = await rowCount('baseline_items');
  const del = await app.inject({
    method: 'DELETE',
    url: `/api/v1/baselines/${baseline.id}`,
    headers: { ...owner.auth, 'if-match': '"1"' },
  });
  assert.equal(del.statusCode, 204);
  assert.equal(await rowCount('baseline_items'), itemsBefore - 3);
  const gone = await app.inject({ url: `/api/v1/baselines/${baseline.id}`, headers: owner.auth });
  assert.equal(gone.statusCode, 404);
});

test('bad input is a clear 400 and writes nothing', async () => {
  const f = await fixture();
  const baselines = await rowCount('baselines');
  const items = await rowCount('baseline_items');
  for (const payload of [
    {},
    { name: '' },
    { name: '   ' },
    { name: 'x'.repeat(201) },
    { name: 'ok', extra: true },
    { name: 42 },
    { name: 'ok', description: 'x'.repeat(70_000) },
  ]) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/specifications/${f.spec.id}/baselines`,
      headers: editor.auth,
      payload,
    });
    assert.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80));
    assert.equal(res.json<{ code: string }>().code, 'validation_failed');
  }
  const notUuid = await app.inject({ url: '/api/v1/baselines/nope', headers: owner.auth });
  assert.equal(notUuid.statusCode, 400);
  assert.equal(await rowCount('baselines'), baselines);
  assert.equal(await rowCount('baseline_items'), items);
});

test('deleting the specification takes its baselines with it', async () => {
  const f = await fixture();
  const { baseline } = await takeBaseline(f.spec.id);
  const del = await app.inject({
    method: 'DELETE',
    url: `/api/v1/specifications/${f.spec.id}`,
    headers: owner.auth,
  });
  assert.equal(del.statusCode, 204);
  const rows = await app.db
    .selectFrom('baseline_items')
    .select('id')
    .where('baseline_id', '=', baseline.id)
    .execute();
  assert.equal(rows.length, 0);
  const gone = await app.inject({ url: `/api/v1/baselines/${baseline.id}`, headers: owner.auth });
  assert.equal(gone.statusCode, 404);
});

test('bodies in baselines are encrypted at rest', async () => {
  const f = await fixture();
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${f.a.id}`,
    headers: editor.auth,
    payload: { body: 'SECRET-BASELINE-BODY' },
  });
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${f.spec.id}/baselines`,
    headers: editor.auth,
    payload: { name: 'sealed', description: 'SECRET-BASELINE-DESCRIPTION' },
  });
  assert.equal(res.statusCode, 201);
  const rows = await app.db
    .selectFrom('baseline_items')
    .innerJoin('baselines', 'baselines.id', 'baseline_items.baseline_id')
    .select(['baseline_items.body_enc', 'baselines.description_enc'])
    .where('baselines.id', '=', res.json<Baseline>().id)
    .execute();
  for (const row of rows) {
    assert.doesNotMatch(JSON.stringify(row), /SECRET/);
    assert.match(row.body_enc, /^v1\./);
  }
});
