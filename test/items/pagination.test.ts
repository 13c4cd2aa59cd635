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

/** Walks every page of a collection, running `during` after each page. */
async function walk(u: TestUser, url: string, limit: number, during: () => Promise<void>) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res: Awaited<ReturnType<typeof app.inject>> = await app.inject({
      url: `${url}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      headers: u.auth,
    });
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json<{ data: { id: string }[]; nextCursor: string | null }>();
    assert.ok(page.data.length <= limit);
    ids.push(...page.data.map((d) => d.id));
    cursor = page.nextCursor;
    await during();
  } while (cursor !== null);
  return ids;
}

test('walking items while others are inserted returns every original item exactly once, in order', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  const originals: string[] = [];
  for (let i = 0; i < 45; i++) originals.push((await createItem(app, user, spec.id)).id);
  let n = 0;
  const seen = await walk(user, `/api/v1/specifications/${spec.id}/items`, 10, async () => {
    // One at the end, one at the top, one in the middle, after every page.
    await createItem(app, user, spec.id, { title: `end ${n}` });
    await createItem(app, user, spec.id, { title: `top ${n}`, after: null });
    await createItem(app, user, spec.id, { title: `mid ${n}`, after: originals[20] });
    n++;
  });
  assert.equal(new Set(seen).size, seen.length, 'no item twice');
  assert.deepEqual(
    seen.filter((id) => originals.includes(id)),
    originals,
  );
});

test('walking projects and specifications while others are added returns each once', async () => {
  const project = await createProject(app, user);
  const specs: string[] = [];
  for (let i = 0; i < 12; i++) specs.push((await createSpecification(app, user, project.id)).id);
  const seenSpecs = await walk(
    user,
    `/api/v1/projects/${project.id}/specifications`,
    5,
    async () => {
      await createSpecification(app, user, project.id);
    },
  );
  assert.equal(new Set(seenSpecs).size, seenSpecs.length);
  assert.ok(specs.every((id) => seenSpecs.includes(id)));

  const mine = await walk(user, '/api/v1/projects', 3, async () => {
    await createProject(app, user);
  });
  assert.equal(new Set(mine).size, mine.length);
  assert.ok(mine.includes(project.id));
});

test('limit must be 1–100 and a tampered cursor is a 400 naming the field', async () => {
  const project = await createProject(app, user);
  const spec = await createSpecification(app, user, project.id);
  for (const query of ['limit=0', 'limit=101', 'limit=x', 'cursor=%%%', 'cursor=WzFd']) {
    const res = await app.inject({
      url: `/api/v1/specifications/${spec.id}/items?${query}`,
      headers: user.auth,
    });
    assert.equal(res.statusCode, 400, query);
    const path = res.json<{ errors: { path: string }[] }>().errors[0]?.path;
    assert.match(String(path), /^query\.(limit|cursor)$/, query);
  }
});
