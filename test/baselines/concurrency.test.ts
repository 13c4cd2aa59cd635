import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';

// On PostgreSQL these requests really run at once (each its own connection); embedded, they queue.
const env = await setupTestEnv();
const app = await env.app();
const user = await createUser(app);

interface KeptItem {
  id: string;
  title: string;
  version: number;
  links: unknown[];
}

test('a baseline taken while writers run holds each write wholly or not at all', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  const source = await createItem(app, user, spec.id, { title: 'source' });
  const targets = [];
  for (let i = 0; i < 12; i++) targets.push(await createItem(app, user, spec.id));

  // Each link write moves the source to its next version and adds a link in one transaction;
  // each rename changes a title and the version together.
  const writes = targets.flatMap((t, i) => [
    app.inject({
      method: 'POST',
      url: `/api/v1/items/${source.id}/links`,
      headers: user.auth,
      payload: { targetId: t.id, type: 'depends_on' },
    }),
    app.inject({
      method: 'PATCH',
      url: `/api/v1/items/${t.id}`,
      headers: user.auth,
      payload: { title: `renamed ${i}` },
    }),
  ]);
  const baselines = Array.from({ length: 6 }, (_, i) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/specifications/${spec.id}/baselines`,
      headers: user.auth,
      payload: { name: `during ${i}` },
    }),
  );
  const [written, taken] = await Promise.all([Promise.all(writes), Promise.all(baselines)]);
  assert.deepEqual(written.map((r) => r.statusCode).sort(), [
    ...Array(12).fill(200),
    ...Array(12).fill(201),
  ]);
  for (const res of taken) {
    assert.equal(res.statusCode, 201, res.body);
    const { id, itemCount } = res.json<{ id: string; itemCount: number }>();
    assert.equal(itemCount, 13);
    const items = await app.inject({
      url: `/api/v1/baselines/${id}/items?limit=100`,
      headers: user.auth,
    });
    const kept = items.json<{ data: KeptItem[] }>().data;
    const [first, ...rest] = kept;
    // The source's version counts exactly the links it holds.
    assert.equal(first!.version, 1 + first!.links.length);
    for (const t of rest) assert.equal(t.version, t.title.startsWith('renamed') ? 2 : 1);
  }
  const after = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${spec.id}/baselines`,
    headers: user.auth,
    payload: { name: 'after' },
  });
  const last = await app.inject({
    url: `/api/v1/baselines/${after.json<{ id: string }>().id}/items?limit=100`,
    headers: user.auth,
  });
  assert.equal(last.json<{ data: KeptItem[] }>().data[0]!.links.length, 12);
});

test('a specification deleted while a baseline is taken: one of them wins, nothing half-made', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  for (let i = 0; i < 20; i++) await createItem(app, user, spec.id);
  const [taken, deleted] = await Promise.all([
    app.inject({
      method: 'POST',
      url: `/api/v1/specifications/${spec.id}/baselines`,
      headers: user.auth,
      payload: { name: 'racing' },
    }),
    app.inject({ method: 'DELETE', url: `/api/v1/specifications/${spec.id}`, headers: user.auth }),
  ]);
  assert.equal(deleted.statusCode, 204);
  assert.ok([201, 404].includes(taken.statusCode), taken.body);
  const rows = await app.db
    .selectFrom('baselines')
    .select('id')
    .where('specification_id', '=', spec.id)
    .execute();
  assert.equal(rows.length, 0);
  const orphans = await app.db
    .selectFrom('baseline_items')
    .select('id')
    .where('specification_id', '=', spec.id)
    .execute();
  assert.equal(orphans.length, 0);
});

test('signing a baseline while its specification is deleted: one of them wins, no retry, nothing left', async () => {
  // A deadlock would be broken by PostgreSQL and the loser run again: counted here.
  const retries = async () => (await app.metrics.transactionRetries.get()).values[0]?.value ?? 0;
  const retriesBefore = await retries();
  for (let round = 0; round < 5; round++) {
    const project = await createProject(app, user);
    const spec = await createSpecification(app, user, project.id);
    await createItem(app, user, spec.id);
    const taken = await app.inject({
      method: 'POST',
      url: `/api/v1/specifications/${spec.id}/baselines`,
      headers: user.auth,
      payload: { name: 'to sign' },
    });
    const baselineId = taken.json<{ id: string }>().id;
    const [signed, deleted] = await Promise.all([
      app.inject({
        method: 'POST',
        url: `/api/v1/baselines/${baselineId}/approvals`,
        headers: user.auth,
        payload: { meaning: 'approved', password: user.password },
      }),
      app.inject({
        method: 'DELETE',
        url: `/api/v1/specifications/${spec.id}`,
        headers: user.auth,
      }),
    ]);
    assert.equal(deleted.statusCode, 204, deleted.body);
    assert.ok([201, 404].includes(signed.statusCode), signed.body);
    const left = await app.db
      .selectFrom('approvals')
      .select('id')
      .where('specification_id', '=', spec.id)
      .execute();
    assert.equal(left.length, 0);
  }
  assert.equal(await retries(), retriesBefore);
});
