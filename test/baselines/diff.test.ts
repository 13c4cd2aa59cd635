import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateNKeysBetween } from 'fractional-indexing';
import { sql } from 'kysely';
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
const [owner, viewer] = await Promise.all([createUser(app), createUser(app)]);

interface Diff {
  from: string;
  to: string;
  summary: { added: number; removed: number; changed: number; moved: number };
  added: { key: string; title: string; body: string }[];
  removed: { key: string; title: string }[];
  changed: {
    id: string;
    key: string;
    changes: Record<string, { before: unknown; after: unknown }>;
  }[];
  moved: { id: string; key: string; title: string; specificationId: string }[];
}

const send = (method: 'PATCH' | 'POST' | 'DELETE', url: string, payload?: object) =>
  app.inject({
    method,
    url: `/api/v1${url}`,
    headers: owner.auth,
    ...(payload ? { payload } : {}),
  });

async function baseline(specId: string, name: string): Promise<string> {
  const res = await send('POST', `/specifications/${specId}/baselines`, { name });
  assert.equal(res.statusCode, 201, res.body);
  return res.json<{ id: string }>().id;
}

async function diff(specId: string, query: string): Promise<Diff> {
  const res = await app.inject({
    url: `/api/v1/specifications/${specId}/diff?${query}`,
    headers: viewer.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<Diff>();
}

const EMPTY = { added: 0, removed: 0, changed: 0, moved: 0 };

/** Six items, one linked; a baseline; then a scripted change set. */
async function scripted() {
  const project = await createProject(app, owner, { key: 'DIF' });
  await addMember(app, owner, project.id, viewer, 'viewer');
  const spec = await createSpecification(app, owner, project.id);
  const i = [];
  for (let n = 1; n <= 6; n++) {
    i.push(await createItem(app, owner, spec.id, { title: `Item ${n}`, body: `body ${n}` }));
  }
  const [i1, i2, i3, i4, i5, i6] = i as [
    (typeof i)[0],
    (typeof i)[0],
    (typeof i)[0],
    (typeof i)[0],
    (typeof i)[0],
    (typeof i)[0],
  ];
  await createLink(app, owner, i3.id, i2.id, 'depends_on');
  const b1 = await baseline(spec.id, 'B1');

  await send('PATCH', `/items/${i2.id}`, { title: 'Item 2, renamed', body: 'body 2, edited' });
  await send('PATCH', `/items/${i3.id}`, { status: 'approved' });
  assert.equal((await send('DELETE', `/items/${i4.id}`)).statusCode, 204);
  const i7 = await createItem(app, owner, spec.id, { title: 'Item 7' });
  // Inserted before items 2–5: they do not count as moved.
  const i8 = await createItem(app, owner, spec.id, { title: 'Item 8', after: i1.id });
  assert.equal((await send('POST', `/items/${i6.id}/move`, { after: null })).statusCode, 200);
  await createLink(app, owner, i5.id, i1.id, 'refines');
  // Moved away and back: not moved.
  await send('POST', `/items/${i1.id}/move`, { after: i5.id });
  await send('POST', `/items/${i1.id}/move`, { after: i6.id });
  return { spec, b1, i1, i2: i2, i3, i4: i4, i5: i5, i6: i6, i7, i8 };
}

test('the exact diff of a scripted change set against head: added, removed, changed fields, moved', async () => {
  const s = await scripted();
  const d = await diff(s.spec.id, `from=${s.b1}&to=head`);
  assert.equal(d.from, s.b1);
  assert.equal(d.to, 'head');
  assert.deepEqual(d.summary, { added: 2, removed: 1, changed: 3, moved: 1 });
  // Document order of head: 6, 1, 8, 2, 3, 5, 7.
  assert.deepEqual(
    d.added.map((a) => a.key),
    [s.i8.key, s.i7.key],
  );
  assert.deepEqual(
    d.removed.map((r) => [r.key, r.title]),
    [[s.i4.key, 'Item 4']],
  );
  assert.deepEqual(
    d.changed.map((c) => c.key),
    [s.i2.key, s.i3.key, s.i5.key],
  );
  assert.deepEqual(d.changed[0]!.changes, {
    title: { before: 'Item 2', after: 'Item 2, renamed' },
    body: { before: 'body 2', after: 'body 2, edited' },
  });
  // Its link's target was renamed: the link itself is the same, so only the status shows.
  assert.deepEqual(d.changed[1]!.changes, { status: { before: 'draft', after: 'approved' } });
  assert.deepEqual(d.changed[2]!.changes, {
    links: {
      before: [],
      after: [
        {
          type: 'refines',
          target: { id: s.i1.id, key: s.i1.key, title: 'Item 1', specificationId: s.spec.id },
        },
      ],
    },
  });
  assert.deepEqual(d.moved, [
    { id: s.i6.id, key: s.i6.key, title: 'Item 6', specificationId: s.spec.id },
  ]);

  // `to` defaults to head.
  assert.deepEqual(await diff(s.spec.id, `from=${s.b1}`), d);
});

test('between two baselines the diff is the same; reversed it mirrors; with itself it is empty', async () => {
  const s = await scripted();
  const b2 = await baseline(s.spec.id, 'B2');
  const forward = await diff(s.spec.id, `from=${s.b1}&to=${b2}`);
  const head = await diff(s.spec.id, `from=${s.b1}&to=head`);
  assert.deepEqual({ ...forward, to: 'head' }, head);

  const back = await diff(s.spec.id, `from=${b2}&to=${s.b1}`);
  assert.deepEqual(back.summary, { added: 1, removed: 2, changed: 3, moved: 1 });
  assert.deepEqual(
    back.added.map((a) => a.key),
    [s.i4.key],
  );
  assert.deepEqual(back.changed[0]!.changes.title, { before: 'Item 2, renamed', after: 'Item 2' });

  for (const query of [`from=${b2}&to=${b2}`, `from=${b2}&to=head`, `from=${s.b1}&to=${s.b1}`]) {
    const same = await diff(s.spec.id, query);
    assert.deepEqual(same.summary, EMPTY, query);
    assert.deepEqual([same.added, same.removed, same.changed, same.moved], [[], [], [], []]);
  }
});

test('a diff names baselines of its own specification only; bad queries are 400', async () => {
  const s = await scripted();
  const other = await createSpecification(app, owner, (await createProject(app, owner)).id);
  const foreign = await baseline(other.id, 'elsewhere');
  // A baseline of another specification of the same project is not one of this one's.
  const sibling = await createSpecification(app, owner, s.spec.projectId);
  const neighbour = await baseline(sibling.id, 'next door');
  for (const id of [foreign, neighbour]) {
    for (const query of [`from=${id}`, `from=${s.b1}&to=${id}`]) {
      const res = await app.inject({
        url: `/api/v1/specifications/${s.spec.id}/diff?${query}`,
        headers: owner.auth,
      });
      assert.equal(res.statusCode, 404, query);
      assert.equal(res.json<{ code: string }>().code, 'not_found');
    }
  }
  for (const query of ['', 'from=yesterday', `from=${s.b1}&to=tomorrow`, `from=${s.b1}&x=1`]) {
    const bad = await app.inject({
      url: `/api/v1/specifications/${s.spec.id}/diff?${query}`,
      headers: owner.auth,
    });
    assert.equal(bad.statusCode, 400, query);
    assert.equal(bad.json<{ code: string }>().code, 'validation_failed');
  }
});

test('a diff over more items than one batch finds every change', async () => {
  const project = await createProject(app, owner);
  const spec = await createSpecification(app, owner, project.id);
  // Written straight to the database: 2,500 items through the API would take the test's time.
  const orderKeys = generateNKeysBetween(null, null, 2500);
  const { rows } = await sql<{ id: string }>`
    insert into items (id, specification_id, project_id, key, order_key, title, body_enc)
    select gen_random_uuid(), ${spec.id}, ${project.id}, 'BIG-' || n, k, 'Item ' || n,
      ${app.encryptor.encrypt('same body')}
    from unnest(${orderKeys}::text[]) with ordinality as o(k, n)
    returning id`.execute(app.db);
  assert.equal(rows.length, 2500);
  const b1 = await baseline(spec.id, 'big');
  const byKey = async (key: string) =>
    (
      await app.inject({ url: `/api/v1/projects/${project.id}/items/${key}`, headers: owner.auth })
    ).json<{ id: string }>().id;
  for (const key of ['BIG-7', 'BIG-1500', 'BIG-2499']) {
    await send('PATCH', `/items/${await byKey(key)}`, { title: `${key} changed` });
  }
  await send('DELETE', `/items/${await byKey('BIG-1200')}`);
  const move = await send('POST', `/items/${await byKey('BIG-2')}/move`, {
    after: await byKey('BIG-2000'),
  });
  assert.equal(move.statusCode, 200, move.body);
  const d = await app.inject({
    url: `/api/v1/specifications/${spec.id}/diff?from=${b1}`,
    headers: owner.auth,
  });
  const body = d.json<Diff>();
  assert.deepEqual(body.summary, { added: 0, removed: 1, changed: 3, moved: 1 });
  assert.deepEqual(
    body.changed.map((c) => c.key),
    ['BIG-7', 'BIG-1500', 'BIG-2499'],
  );
  assert.equal(body.moved[0]!.key, 'BIG-2');
  assert.equal(body.removed[0]!.key, 'BIG-1200');
});
