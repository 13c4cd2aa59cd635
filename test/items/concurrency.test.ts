import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const user = await createUser(app);

const resources = async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  const item = await createItem(app, user, spec.id);
  return {
    project: { url: `/api/v1/projects/${project.id}`, patch: { name: 'Renamed' } },
    specification: { url: `/api/v1/specifications/${spec.id}`, patch: { title: 'Renamed' } },
    item: { url: `/api/v1/items/${item.id}`, patch: { title: 'Renamed' } },
  };
};

test('GET returns the version as a strong ETag; PATCH answers the new one', async () => {
  for (const [name, r] of Object.entries(await resources())) {
    const got = await app.inject({ url: r.url, headers: user.auth });
    assert.equal(got.headers.etag, '"1"', name);
    assert.equal(got.json<{ version: number }>().version, 1);
    const patched = await app.inject({
      method: 'PATCH',
      url: r.url,
      headers: { ...user.auth, 'if-match': '"1"' },
      payload: r.patch,
    });
    assert.equal(patched.statusCode, 200, `${name}: ${patched.body}`);
    assert.equal(patched.headers.etag, '"2"');
    assert.equal(patched.json<{ version: number }>().version, 2);
  }
});

test('a stale If-Match gets 412 and changes nothing, on PATCH and DELETE of every resource', async () => {
  // Innermost first: deleting the project would take the others with it.
  for (const [name, r] of Object.entries(await resources()).reverse()) {
    // Someone else changes it first.
    await app.inject({ method: 'PATCH', url: r.url, headers: user.auth, payload: r.patch });
    const before = await app.inject({ url: r.url, headers: user.auth });
    for (const ifMatch of ['"1"', 'W/"2"', '"nonsense"']) {
      for (const method of ['PATCH', 'DELETE'] as const) {
        const res = await app.inject({
          method,
          url: r.url,
          headers: { ...user.auth, 'if-match': ifMatch },
          ...(method === 'PATCH' ? { payload: { ...r.patch } } : {}),
        });
        assert.equal(res.statusCode, 412, `${name} ${method} ${ifMatch}`);
        assert.equal(res.json<{ code: string }>().code, 'precondition_failed');
      }
    }
    const after = await app.inject({ url: r.url, headers: user.auth });
    assert.deepEqual(after.json(), before.json(), name);
    // The current tag, in a list or as *, matches.
    const ok = await app.inject({
      method: 'DELETE',
      url: r.url,
      headers: { ...user.auth, 'if-match': '"7", "2"' },
    });
    assert.equal(ok.statusCode, 204, name);
  }
});

test('two concurrent PATCHes of one item both land, each in its own revision', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  const item = await createItem(app, user, spec.id, { title: 'Start', body: 'start' });
  const [first, second] = await Promise.all([
    app.inject({
      method: 'PATCH',
      url: `/api/v1/items/${item.id}`,
      headers: user.auth,
      payload: { title: 'From first' },
    }),
    app.inject({
      method: 'PATCH',
      url: `/api/v1/items/${item.id}`,
      headers: user.auth,
      payload: { body: 'from second' },
    }),
  ]);
  assert.equal(first.statusCode, 200);
  assert.equal(second.statusCode, 200);
  const now = (await app.inject({ url: `/api/v1/items/${item.id}`, headers: user.auth })).json<{
    title: string;
    body: string;
    version: number;
  }>();
  assert.equal(now.title, 'From first');
  assert.equal(now.body, 'from second');
  assert.equal(now.version, 3);
  const revisions = (
    await app.inject({ url: `/api/v1/items/${item.id}/revisions`, headers: user.auth })
  ).json<{ data: { version: number; changes: Record<string, unknown> }[] }>().data;
  assert.deepEqual(
    revisions.map((r) => r.version),
    [3, 2, 1],
  );
  const changed = revisions
    .slice(0, 2)
    .flatMap((r) => Object.keys(r.changes))
    .sort();
  assert.deepEqual(changed, ['body', 'title']);
});

test('concurrent PATCHes with the same If-Match: exactly one applies, the rest get 412', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  const item = await createItem(app, user, spec.id);
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      app.inject({
        method: 'PATCH',
        url: `/api/v1/items/${item.id}`,
        headers: { ...user.auth, 'if-match': '"1"' },
        payload: { title: `Writer ${i}` },
      }),
    ),
  );
  const codes = results.map((r) => r.statusCode).sort();
  assert.deepEqual(codes, [200, 412, 412, 412, 412, 412, 412, 412]);
  const now = (await app.inject({ url: `/api/v1/items/${item.id}`, headers: user.auth })).json<{
    version: number;
  }>();
  assert.equal(now.version, 2);
});

test('concurrent writes to one specification, its deletion among them: no 5xx, nothing half-written', async () => {
  // Bounded: a few rounds of some thirty requests at once, on whichever database the suite runs.
  for (let round = 0; round < 4; round++) {
    const project = await createProject(app, user);
    const spec = await createSpecification(app, user, project.id);
    const items: { id: string }[] = [];
    for (let i = 0; i < 8; i++) items.push(await createItem(app, user, spec.id));
    const specUrl = `/api/v1/specifications/${spec.id}`;
    const requests = [
      ...items.map((item, i) => ({
        method: 'PATCH' as const,
        url: `/api/v1/items/${item.id}`,
        payload: { body: `edited ${round}.${i}` },
      })),
      ...items.slice(0, 4).map((item, i) => ({
        method: 'POST' as const,
        url: `/api/v1/items/${item.id}/move`,
        payload: { after: items[(i + 5) % items.length]!.id },
      })),
      ...items.slice(4, 6).map((item) => ({
        method: 'DELETE' as const,
        url: `/api/v1/items/${item.id}`,
      })),
      ...Array.from({ length: 6 }, (_, i) => ({
        method: 'POST' as const,
        url: `${specUrl}/items`,
        payload: { title: `New ${round}.${i}`, after: items[i]!.id },
      })),
      { method: 'PATCH' as const, url: specUrl, payload: { title: `Renamed ${round}` } },
      { method: 'PATCH' as const, url: specUrl, payload: { status: 'in_review' } },
      { method: 'DELETE' as const, url: specUrl },
    ];
    // The deletion goes somewhere in the middle of the others.
    const order = [...requests.keys()].sort(() => Math.random() - 0.5);
    const answers = await Promise.all(
      order.map((i) => app.inject({ ...requests[i]!, headers: user.auth })),
    );
    const unexpected = answers.filter(
      (r) => ![200, 201, 204, 400, 404, 409, 412].includes(r.statusCode),
    );
    assert.deepEqual(
      unexpected.map((r) => `${r.statusCode} ${r.body}`),
      [],
    );
    // The specification is gone, and with it every item and revision: none left behind.
    assert.equal((await app.inject({ url: specUrl, headers: user.auth })).statusCode, 404);
    const leftover = await app.db
      .selectFrom('items')
      .select('id')
      .where('specification_id', '=', spec.id)
      .execute();
    assert.deepEqual(leftover, []);
    const revisions = await app.db
      .selectFrom('item_revisions')
      .select('id')
      .where('specification_id', '=', spec.id)
      .execute();
    assert.deepEqual(revisions, []);
  }
});
