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

const env = await setupTestEnv();
const app = await env.app();
const user = await createUser(app);

interface Impacted {
  item: { id: string; key: string; title: string; specificationId: string };
  depth: number;
  via: string;
}

const impact = async (itemId: string, query = '') => {
  const res = await app.inject({
    url: `/api/v1/items/${itemId}/impact${query}`,
    headers: user.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ data: Impacted[] }>().data.map((i) => [i.item.key, i.depth, i.via]);
};

test('impact: every item reaching this one through incoming links, each once at its shortest depth', async () => {
  const project = await createProject(app, user, { key: 'IMP' });
  const spec = await createSpecification(app, user, project.id);
  const make = async () => createItem(app, user, spec.id);
  const [req, design, code, test1, test2, far, other] = [
    await make(),
    await make(),
    await make(),
    await make(),
    await make(),
    await make(),
    await make(),
  ];
  // design refines req; code implements design; test1 verifies req and code; test2 verifies code;
  // far depends on test2 (depth 4); req relates to other (outgoing: not impact).
  await createLink(app, user, design.id, req.id, 'refines');
  await createLink(app, user, code.id, design.id, 'implements');
  await createLink(app, user, test1.id, req.id, 'verifies');
  await createLink(app, user, test1.id, code.id, 'verifies');
  await createLink(app, user, test2.id, code.id, 'verifies');
  await createLink(app, user, far.id, test2.id, 'depends_on');
  await createLink(app, user, req.id, other.id, 'relates_to');
  // A cycle back to the start must not loop: req depends on far.
  await createLink(app, user, req.id, far.id, 'depends_on');

  assert.deepEqual(await impact(req.id), [
    [design.key, 1, 'refines'],
    [test1.key, 1, 'verifies'],
    [code.key, 2, 'implements'],
    [test2.key, 3, 'verifies'],
  ]);
  assert.deepEqual(await impact(req.id, '?depth=1'), [
    [design.key, 1, 'refines'],
    [test1.key, 1, 'verifies'],
  ]);
  // At depth 5 the walk reaches far, then req again (the start): it is not listed.
  assert.deepEqual((await impact(req.id, '?depth=10')).at(-1), [far.key, 4, 'depends_on']);
  assert.deepEqual(await impact(other.id, '?depth=1'), [[req.key, 1, 'relates_to']]);
  assert.deepEqual(await impact(test2.id), [
    [far.key, 1, 'depends_on'],
    [req.key, 2, 'depends_on'],
    [design.key, 3, 'refines'],
    [test1.key, 3, 'verifies'],
  ]);

  for (const bad of ['?depth=0', '?depth=11', '?depth=two', '?deep=1']) {
    const res = await app.inject({
      url: `/api/v1/items/${req.id}/impact${bad}`,
      headers: user.auth,
    });
    assert.equal(res.statusCode, 400, bad);
  }
  const none = await app.inject({
    url: '/api/v1/items/01900000-0000-7000-8000-000000000000/impact',
    headers: user.auth,
  });
  assert.equal(none.statusCode, 404);
});

interface Coverage {
  total: number;
  covered: number;
  percent: number;
  uncovered: { key: string }[];
}

test('coverage: exact counts and percent, the first 100 uncovered in document order', async () => {
  const project = await createProject(app, user);
  const reqs = await createSpecification(app, user, project.id, { title: 'Requirements' });
  const tests = await createSpecification(app, user, project.id, { title: 'Tests' });
  const items: { id: string; key: string }[] = [];
  for (let i = 0; i < 105; i++)
    items.push(await createItem(app, user, reqs.id, { title: `R${i}` }));
  // The last item moves to the top: document order, not creation order.
  await app.inject({
    method: 'POST',
    url: `/api/v1/items/${items[104]!.id}/move`,
    headers: user.auth,
    payload: { after: null },
  });
  const t = await createItem(app, user, tests.id);
  const t2 = await createItem(app, user, tests.id);
  for (const i of [1, 2, 3]) await createLink(app, user, t.id, items[i]!.id, 'verifies');
  await createLink(app, user, t2.id, items[1]!.id, 'verifies'); // covered twice counts once
  await createLink(app, user, t.id, items[4]!.id, 'relates_to'); // another type
  await createLink(app, user, items[5]!.id, t.id, 'verifies'); // the other direction

  const coverage = async (query = '') => {
    const res = await app.inject({
      url: `/api/v1/specifications/${reqs.id}/coverage${query}`,
      headers: user.auth,
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Coverage>();
  };
  const verified = await coverage();
  assert.equal(verified.total, 105);
  assert.equal(verified.covered, 3);
  assert.equal(verified.percent, 2.86);
  assert.equal(verified.uncovered.length, 100);
  assert.deepEqual(
    verified.uncovered.slice(0, 3).map((u) => u.key),
    [items[104]!.key, items[0]!.key, items[4]!.key],
  );
  const outgoing = await coverage('?type=verifies&direction=outgoing');
  assert.equal(outgoing.covered, 1);
  assert.ok(!outgoing.uncovered.some((u) => u.key === items[5]!.key));
  assert.equal((await coverage('?type=relates_to')).covered, 1);
  assert.equal((await coverage('?type=implements')).percent, 0);

  const testsCoverage = await app.inject({
    url: `/api/v1/specifications/${tests.id}/coverage?direction=outgoing`,
    headers: user.auth,
  });
  assert.deepEqual(
    { ...testsCoverage.json<Coverage>(), uncovered: [] },
    { total: 2, covered: 2, percent: 100, uncovered: [] },
  );

  const empty = await createSpecification(app, user, project.id);
  const nothing = await app.inject({
    url: `/api/v1/specifications/${empty.id}/coverage`,
    headers: user.auth,
  });
  assert.deepEqual(nothing.json(), { total: 0, covered: 0, percent: 0, uncovered: [] });

  for (const bad of ['?type=blesses', '?direction=both', '?direction=up', '?x=1']) {
    const res = await app.inject({
      url: `/api/v1/specifications/${reqs.id}/coverage${bad}`,
      headers: user.auth,
    });
    assert.equal(res.statusCode, 400, bad);
  }
});
