import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv, sharingInstances } from '../helpers/app.js';
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

test("a cached page of an item's links is never stale after a write through any instance", async (t) => {
  const { one, two } = await sharingInstances(env, t);
  const [owner, member] = [await createUser(one), await createUser(one)];
  const project = await createProject(one, owner);
  await addMember(one, owner, project.id, member, 'viewer');
  const spec = await createSpecification(one, owner, project.id);
  const req = await createItem(one, owner, spec.id, { title: 'Requirement' });
  const [t1, t2] = [await createItem(one, owner, spec.id), await createItem(one, owner, spec.id)];
  const first = await createLink(one, owner, t1.id, req.id);

  const page = async (who = owner) => {
    const res = await one.inject({ url: `/api/v1/items/${req.id}/links`, headers: who.auth });
    return {
      status: res.statusCode,
      links: res.json<{ data?: (TestLink & { source: { title: string } })[] }>().data ?? [],
    };
  };
  const write = async (method: 'PATCH' | 'POST' | 'DELETE', url: string, payload?: object) => {
    const res = await two.inject({
      method,
      url: `/api/v1${url}`,
      headers: owner.auth,
      ...(payload ? { payload } : {}),
    });
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.body}`);
  };

  assert.equal((await page()).links.length, 1); // cached now
  await createLink(two, owner, t2.id, req.id);
  assert.equal((await page()).links.length, 2);
  await write('PATCH', `/items/${req.id}`, { body: 'changed' });
  assert.deepEqual(
    (await page()).links.map((l) => l.suspect),
    [true, true],
  );
  await write('POST', `/links/${first.id}/clear`);
  assert.deepEqual(
    (await page()).links.map((l) => l.suspect),
    [false, true],
  );
  await write('PATCH', `/items/${t1.id}`, { title: 'Renamed test' });
  assert.equal((await page()).links[0]!.source.title, 'Renamed test');
  await write('DELETE', `/items/${t2.id}`);
  assert.equal((await page()).links.length, 1);
  await write('DELETE', `/links/${first.id}`);
  assert.equal((await page()).links.length, 0);

  await createLink(two, owner, t1.id, req.id, 'relates_to');
  assert.equal((await page(member)).links.length, 1); // the member's access is cached too
  await write('DELETE', `/projects/${project.id}/members/${member.id}`);
  assert.equal((await page(member)).status, 404);
});
