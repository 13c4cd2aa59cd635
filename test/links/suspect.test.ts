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
const [owner, editor] = await Promise.all([createUser(app), createUser(app)]);

async function fixture() {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, editor, 'editor');
  const spec = await createSpecification(app, owner, project.id);
  const req = await createItem(app, owner, spec.id, { title: 'Requirement', body: 'v1' });
  const tests = [];
  for (let i = 0; i < 3; i++)
    tests.push(await createItem(app, owner, spec.id, { title: `Test ${i}` }));
  return { project, spec, req, tests };
}

const patch = (itemId: string, payload: object) =>
  app.inject({ method: 'PATCH', url: `/api/v1/items/${itemId}`, headers: editor.auth, payload });

const link = async (id: string) =>
  (await app.inject({ url: `/api/v1/links/${id}`, headers: owner.auth })).json<TestLink>();

const suspects = async (projectId: string, query = '') => {
  const res = await app.inject({
    url: `/api/v1/projects/${projectId}/suspect-links${query}`,
    headers: owner.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ data: TestLink[]; nextCursor: string | null }>();
};

test("a change to the target's title or body makes every incoming link suspect, at the change's time", async () => {
  const f = await fixture();
  const links = [];
  for (const t of f.tests) links.push(await createLink(app, owner, t.id, f.req.id, 'verifies'));
  // A link from the requirement outwards is not about the requirement's change.
  const outgoing = await createLink(app, owner, f.req.id, f.tests[0]!.id, 'depends_on');

  const changed = await patch(f.req.id, { body: 'v2' });
  assert.equal(changed.statusCode, 200);
  const updatedAt = changed.json<{ updatedAt: string }>().updatedAt;
  for (const l of links) {
    const now = await link(l.id);
    assert.equal(now.suspect, true);
    assert.equal(now.suspectSince, updatedAt);
    assert.equal(now.version, 2);
  }
  assert.equal((await link(outgoing.id)).suspect, false);
  const page = await suspects(f.project.id);
  assert.deepEqual(
    page.data.map((l) => l.id),
    links.map((l) => l.id),
  );

  // A second change keeps the first time: suspect since the first unreviewed change.
  await patch(f.req.id, { title: 'Requirement, reworded' });
  assert.equal((await link(links[0]!.id)).suspectSince, updatedAt);
});

test('a change to other fields (status) or no change at all does not make links suspect', async () => {
  const f = await fixture();
  const l = await createLink(app, owner, f.tests[0]!.id, f.req.id);
  assert.equal((await patch(f.req.id, { status: 'approved' })).statusCode, 200);
  assert.equal((await patch(f.req.id, { body: 'v1' })).statusCode, 200); // the same body
  const move = await app.inject({
    method: 'POST',
    url: `/api/v1/items/${f.req.id}/move`,
    headers: editor.auth,
    payload: { after: f.tests[2]!.id },
  });
  assert.equal(move.statusCode, 200);
  assert.equal((await link(l.id)).suspect, false);
  assert.deepEqual((await suspects(f.project.id)).data, []);
});

test("a type's suspectFields decide: status when listed, not the body when left out", async () => {
  const f = await fixture();
  const put = await app.inject({
    method: 'PUT',
    url: `/api/v1/projects/${f.project.id}/link-types/implements`,
    headers: owner.auth,
    payload: { name: 'implements', inverseName: 'implemented by', suspectFields: ['status'] },
  });
  assert.equal(put.statusCode, 200, put.body);
  const impl = await createLink(app, owner, f.tests[0]!.id, f.req.id, 'implements');
  const ver = await createLink(app, owner, f.tests[1]!.id, f.req.id, 'verifies');
  await patch(f.req.id, { body: 'v2' });
  assert.equal((await link(impl.id)).suspect, false);
  assert.equal((await link(ver.id)).suspect, true);
  await patch(f.req.id, { status: 'in_review' });
  assert.equal((await link(impl.id)).suspect, true);
});

test('clearing sets a link back, moves it to its next version, and leaves the suspect list', async () => {
  const f = await fixture();
  const l = await createLink(app, owner, f.tests[0]!.id, f.req.id);
  await patch(f.req.id, { title: 'Changed' });
  const cleared = await app.inject({
    method: 'POST',
    url: `/api/v1/links/${l.id}/clear`,
    headers: { ...editor.auth, 'if-match': '"2"' },
  });
  assert.equal(cleared.statusCode, 200, cleared.body);
  assert.equal(cleared.headers.etag, '"3"');
  const body = cleared.json<TestLink>();
  assert.equal(body.suspect, false);
  assert.equal(body.suspectSince, null);
  assert.deepEqual((await suspects(f.project.id)).data, []);
  // Clearing a link that is not suspect changes nothing and records nothing.
  const again = await app.inject({
    method: 'POST',
    url: `/api/v1/links/${l.id}/clear`,
    headers: editor.auth,
  });
  assert.equal(again.json<TestLink>().version, 3);
  const history = await app.inject({
    url: `/api/v1/items/${f.tests[0]!.id}/revisions`,
    headers: owner.auth,
  });
  assert.deepEqual(
    history.json<{ data: { action: string }[] }>().data.map((r) => r.action),
    ['link_cleared', 'linked', 'created'],
  );
  // A later change makes it suspect again.
  await patch(f.req.id, { body: 'v3' });
  assert.equal((await link(l.id)).suspect, true);
});

test('suspect links page by cursor, every one exactly once, only the asked project', async () => {
  const f = await fixture();
  const more = [];
  for (let i = 0; i < 4; i++) more.push(await createItem(app, owner, f.spec.id));
  for (const t of [...f.tests, ...more]) await createLink(app, owner, t.id, f.req.id);
  const g = await fixture();
  await createLink(app, owner, g.tests[0]!.id, g.req.id);
  await patch(f.req.id, { body: 'v2' });
  await patch(g.req.id, { body: 'v2' });
  const seen: string[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page = await suspects(f.project.id, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    assert.ok(page.data.every((l) => l.target.id === f.req.id && l.suspect));
    seen.push(...page.data.map((l) => l.id));
    cursor = page.nextCursor;
  }
  assert.equal(seen.length, 7);
  assert.equal(new Set(seen).size, 7);
});

test("the marking is in the change's transaction: a refused change (412) marks nothing", async () => {
  const f = await fixture();
  const l = await createLink(app, owner, f.tests[0]!.id, f.req.id);
  const stale = await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${f.req.id}`,
    headers: { ...editor.auth, 'if-match': '"9"' },
    payload: { title: 'Nope' },
  });
  assert.equal(stale.statusCode, 412);
  assert.equal((await link(l.id)).suspect, false);
});

test('suspect links filter by the source specification and by type', async () => {
  const f = await fixture();
  const designs = await createSpecification(app, owner, f.project.id, { title: 'Design' });
  const design = await createItem(app, owner, designs.id);
  const fromTest = await createLink(app, owner, f.tests[0]!.id, f.req.id, 'verifies');
  const fromDesign = await createLink(app, owner, design.id, f.req.id, 'refines');
  await patch(f.req.id, { body: 'v2' });
  const ids = async (query: string) => (await suspects(f.project.id, query)).data.map((l) => l.id);
  assert.deepEqual(await ids(''), [fromTest.id, fromDesign.id]);
  assert.deepEqual(await ids(`?specificationId=${designs.id}`), [fromDesign.id]);
  assert.deepEqual(await ids(`?specificationId=${f.spec.id}`), [fromTest.id]);
  assert.deepEqual(await ids('?type=verifies'), [fromTest.id]);
  assert.deepEqual(await ids(`?type=verifies&specificationId=${designs.id}`), []);
  for (const bad of ['?type=blesses', '?specificationId=nope', '?colour=red']) {
    const res = await app.inject({
      url: `/api/v1/projects/${f.project.id}/suspect-links${bad}`,
      headers: owner.auth,
    });
    assert.equal(res.statusCode, 400, bad);
  }
});
