import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
  type TestUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const user = await createUser(app);

async function allItems(u: TestUser, specId: string) {
  const items: { id: string; key: string; title: string }[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${cursor}` : '';
    const res = await app.inject({
      url: `/api/v1/specifications/${specId}/items?limit=100${query}`,
      headers: u.auth,
    });
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json<{ data: typeof items; nextCursor: string | null }>();
    items.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

const move = (itemId: string, after: string | null) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/items/${itemId}/move`,
    headers: user.auth,
    payload: { after },
  });

test('50 concurrent creates get 50 distinct keys, numbered 1–50, in two specifications', async () => {
  const project = await createProject(app, user, { key: 'AUTH' });
  const [a, b] = await Promise.all([
    createSpecification(app, user, project.id),
    createSpecification(app, user, project.id),
  ]);
  const created = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      createItem(app, user, (i % 2 ? a : b).id, { title: `Item ${i}` }),
    ),
  );
  const keys = created.map((c) => c.key);
  assert.equal(new Set(keys).size, 50);
  assert.deepEqual(
    keys.map((k) => Number(k.split('-')[1])).sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  assert.ok(keys.every((k) => /^AUTH-\d+$/.test(k)));
  const found = await app.inject({
    url: `/api/v1/projects/${project.id}/items/${keys[7]!.toLowerCase()}`,
    headers: user.auth,
  });
  assert.equal(found.statusCode, 200);
  assert.equal(found.json<{ id: string }>().id, created[7]!.id);
});

test('a key is never reused after a delete', async () => {
  const project = await createProject(app, user, { key: 'DEL' });
  const spec = await createSpecification(app, user, project.id);
  const first = await createItem(app, user, spec.id);
  const second = await createItem(app, user, spec.id);
  for (const item of [first, second]) {
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/items/${item.id}`,
      headers: user.auth,
    });
    assert.equal(res.statusCode, 204);
  }
  assert.equal((await createItem(app, user, spec.id)).key, 'DEL-3');
  const old = await app.inject({
    url: `/api/v1/projects/${project.id}/items/DEL-2`,
    headers: user.auth,
  });
  assert.equal(old.statusCode, 404);
});

test('creating with after inserts there; after: null inserts at the top', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  const a = await createItem(app, user, spec.id, { title: 'a' });
  const c = await createItem(app, user, spec.id, { title: 'c' });
  await createItem(app, user, spec.id, { title: 'b', after: a.id });
  await createItem(app, user, spec.id, { title: 'top', after: null });
  await createItem(app, user, spec.id, { title: 'd', after: c.id });
  assert.deepEqual(
    (await allItems(user, spec.id)).map((i) => i.title),
    ['top', 'a', 'b', 'c', 'd'],
  );
});

test('moves to the top, the middle and the bottom; after must be in the same specification', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  const other = await createSpecification(app, user, project.id);
  const items = [];
  for (const title of ['a', 'b', 'c', 'd'])
    items.push(await createItem(app, user, spec.id, { title }));
  const titles = async () => (await allItems(user, spec.id)).map((i) => i.title);
  assert.equal((await move(items[3]!.id, null)).statusCode, 200);
  assert.deepEqual(await titles(), ['d', 'a', 'b', 'c']);
  assert.equal((await move(items[3]!.id, items[1]!.id)).statusCode, 200);
  assert.deepEqual(await titles(), ['a', 'b', 'd', 'c']);
  assert.equal((await move(items[0]!.id, items[2]!.id)).statusCode, 200);
  assert.deepEqual(await titles(), ['b', 'd', 'c', 'a']);

  const foreign = await createItem(app, user, other.id);
  const cross = await move(items[0]!.id, foreign.id);
  assert.equal(cross.statusCode, 400);
  assert.equal(cross.json<{ errors: { path: string }[] }>().errors[0]?.path, 'after');
  const self = await move(items[0]!.id, items[0]!.id);
  assert.equal(self.statusCode, 400);
  assert.deepEqual(await titles(), ['b', 'd', 'c', 'a']);
});

test('1,000 random moves keep the order the same as a model of them, with every item once', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  const model: string[] = [];
  for (let i = 0; i < 30; i++)
    model.push((await createItem(app, user, spec.id, { title: `${i}` })).id);
  // A seeded generator: a failure can be replayed.
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 1000; i++) {
    const moving = model[random(model.length)]!;
    const rest = model.filter((id) => id !== moving);
    const position = random(rest.length + 1); // 0 = top
    const after = position === 0 ? null : rest[position - 1]!;
    const res = await move(moving, after);
    assert.equal(res.statusCode, 200, res.body);
    rest.splice(position, 0, moving);
    model.splice(0, model.length, ...rest);
  }
  const ids = (await allItems(user, spec.id)).map((i) => i.id);
  assert.deepEqual(ids, model);
  const keys = await app.db
    .selectFrom('items')
    .select('order_key')
    .where('specification_id', '=', spec.id)
    .execute();
  assert.equal(new Set(keys.map((k) => k.order_key)).size, 30);
});
