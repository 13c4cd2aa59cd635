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
const [user, stranger] = await Promise.all([createUser(app), createUser(app)]);

const project = await createProject(app, user, { key: 'MAT' });
const reqs = await createSpecification(app, user, project.id, { title: 'Login requirements' });
const tests = await createSpecification(app, user, project.id, { title: 'Tests' });
const r1 = await createItem(app, user, reqs.id, { title: 'Lock | after failures' });
const r2 = await createItem(app, user, reqs.id, { title: '=HYPERLINK("x")' });
const r3 = await createItem(app, user, reqs.id, { title: 'Unlinked' });
const t1 = await createItem(app, user, tests.id, { title: 'Lockout test' });
await createLink(app, user, t1.id, r1.id, 'verifies');
await createLink(app, user, r2.id, r1.id, 'refines');
await createLink(app, user, t1.id, r2.id, 'verifies');
// r1 changes: both links to it become suspect.
await app.inject({
  method: 'PATCH',
  url: `/api/v1/items/${r1.id}`,
  headers: user.auth,
  payload: { body: 'now 5 failures' },
});

const trace = (format: string, who = user) =>
  app.inject({
    url: `/api/v1/specifications/${reqs.id}/trace?format=${format}`,
    headers: who.auth,
  });

interface End {
  type: string;
  key: string;
  title: string;
  suspect: boolean;
}

test('JSON: each item in document order with its outgoing and incoming links', async () => {
  const res = await trace('json');
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^application\/json/);
  assert.match(res.headers['content-disposition'] as string, /login-requirements-trace\.json/);
  const body = res.json<{
    specification: { id: string };
    items: { key: string; outgoing: End[]; incoming: End[] }[];
  }>();
  assert.equal(body.specification.id, reqs.id);
  const brief = (ends: End[]) => ends.map((e) => `${e.type} ${e.key} ${e.suspect}`);
  assert.deepEqual(
    body.items.map((i) => [i.key, brief(i.outgoing), brief(i.incoming)]),
    [
      [r1.key, [], [`verifies ${t1.key} true`, `refines ${r2.key} true`]],
      [r2.key, [`refines ${r1.key} true`], [`verifies ${t1.key} false`]],
      [r3.key, [], []],
    ],
  );
});

test('CSV: one row per link end, an unlinked item on a row of its own, formulas neutralised', async () => {
  const res = await trace('csv');
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/csv/);
  const lines = res.body.trimEnd().split('\n');
  assert.deepEqual(lines, [
    'key,title,status,direction,type,linkedKey,linkedTitle,suspect',
    `${r1.key},Lock | after failures,draft,incoming,verifies,${t1.key},Lockout test,true`,
    `${r1.key},Lock | after failures,draft,incoming,refines,${r2.key},"'=HYPERLINK(""x"")",true`,
    `${r2.key},"'=HYPERLINK(""x"")",draft,outgoing,refines,${r1.key},Lock | after failures,true`,
    `${r2.key},"'=HYPERLINK(""x"")",draft,incoming,verifies,${t1.key},Lockout test,false`,
    `${r3.key},Unlinked,draft,,,,,`,
  ]);
});

test("Markdown: a table with the types' names and inverse names, cells escaped", async () => {
  const res = await trace('markdown');
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/markdown/);
  assert.equal(
    res.body,
    [
      '# Trace matrix: Login requirements',
      '',
      '| Item | Title | Outgoing | Incoming |',
      '| --- | --- | --- | --- |',
      `| ${r1.key} | Lock \\| after failures |  | verified by ${t1.key} (suspect)<br>refined by ${r2.key} (suspect) |`,
      `| ${r2.key} | =HYPERLINK("x") | refines ${r1.key} (suspect) | verified by ${t1.key} |`,
      `| ${r3.key} | Unlinked |  |  |`,
      '',
    ].join('\n'),
  );
});

test('the JSON export gives each item its outgoing links', async () => {
  const res = await app.inject({
    url: `/api/v1/specifications/${reqs.id}/export?format=json`,
    headers: user.auth,
  });
  const items = res.json<{
    items: {
      key: string;
      title: string;
      links: { type: string; target: { key: string }; suspect: boolean }[];
    }[];
  }>().items;
  assert.deepEqual(
    items.map((i) => [i.key, i.links.map((l) => `${l.type} ${l.target.key} ${l.suspect}`)]),
    [
      [r1.key, []],
      [r2.key, [`refines ${r1.key} true`]],
      [r3.key, []],
    ],
  );
});

test('the trace matrix: 404 for strangers, 400 for an unknown format', async () => {
  assert.equal((await trace('json', stranger)).statusCode, 404);
  assert.equal((await trace('pdf')).statusCode, 400);
});
