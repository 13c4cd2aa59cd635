import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { generateNKeysBetween } from 'fractional-indexing';
import { v7 as uuidv7 } from 'uuid';
import { setupTestEnv } from '../helpers/app.js';
import {
  addMember,
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const [owner, editor] = await Promise.all([createUser(app), createUser(app)]);

async function exported(specId: string, format: string) {
  const res = await app.inject({
    url: `/api/v1/specifications/${specId}/export?format=${format}`,
    headers: owner.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res;
}

test('export as Markdown, JSON and CSV: keys, titles, statuses and bodies in document order', async () => {
  const project = await createProject(app, owner, { key: 'EXP' });
  const spec = await createSpecification(app, owner, project.id, {
    title: 'Login requirements',
    description: 'What sign-in must do.',
  });
  const second = await createItem(app, owner, spec.id, {
    title: 'Lockout',
    body: 'Lock after 5 tries, "politely", then\nexplain.',
    status: 'approved',
  });
  await createItem(app, owner, spec.id, {
    title: 'Passwords',
    body: '=HYPERLINK("x")',
    after: null,
  });

  const md = await exported(spec.id, 'markdown');
  assert.equal(md.headers['content-type'], 'text/markdown; charset=utf-8');
  assert.match(
    String(md.headers['content-disposition']),
    /^attachment; filename="login-requirements\.md"$/,
  );
  assert.equal(
    md.body,
    '# Login requirements\n\nStatus: draft\n\nWhat sign-in must do.\n\n' +
      '## EXP-2 Passwords\n\nStatus: draft\n\n=HYPERLINK("x")\n\n' +
      '## EXP-1 Lockout\n\nStatus: approved\n\nLock after 5 tries, "politely", then\nexplain.\n\n',
  );

  const json = await exported(spec.id, 'json');
  assert.equal(json.headers['content-type'], 'application/json; charset=utf-8');
  const doc = json.json<{
    specification: { id: string; description: string };
    items: { key: string; title: string; status: string; body: string }[];
  }>();
  assert.equal(doc.specification.id, spec.id);
  assert.equal(doc.specification.description, 'What sign-in must do.');
  assert.deepEqual(
    doc.items.map((i) => [i.key, i.title, i.status]),
    [
      ['EXP-2', 'Passwords', 'draft'],
      ['EXP-1', 'Lockout', 'approved'],
    ],
  );
  assert.equal(doc.items[1]!.body, 'Lock after 5 tries, "politely", then\nexplain.');

  const csv = await exported(spec.id, 'csv');
  assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
  const lines = csv.body.split('\n');
  assert.equal(lines[0], 'key,title,status,body,id,version,updatedAt');
  // A formula is neutralised; quotes and newlines are quoted.
  assert.match(lines[1]!, /^EXP-2,Passwords,draft,"'=HYPERLINK\(""x""\)",/);
  assert.match(lines[2]!, /^EXP-1,Lockout,approved,"Lock after 5 tries, ""politely"", then$/);
  assert.match(lines[3]!, new RegExp(`^explain\\.",${second.id},1,`));

  const bad = await app.inject({
    url: `/api/v1/specifications/${spec.id}/export?format=pdf`,
    headers: owner.auth,
  });
  assert.equal(bad.statusCode, 400);
});

test('a specification of 1,201 items exports whole and in order, past the 500-row batches', async () => {
  const project = await createProject(app, owner, { key: 'BIG' });
  const spec = await createSpecification(app, owner, project.id);
  const orderKeys = generateNKeysBetween(null, null, 1201);
  await app.db
    .insertInto('items')
    .values(
      orderKeys.map((orderKey, i) => ({
        id: uuidv7(),
        specification_id: spec.id,
        project_id: project.id,
        key: `BIG-${i + 1}`,
        order_key: orderKey,
        title: `Item ${i + 1}`,
        body_enc: app.encryptor.encrypt(`body ${i + 1}`),
        status: 'draft' as const,
        created_by: owner.id,
        updated_by: owner.id,
      })),
    )
    .execute();
  const doc = (await exported(spec.id, 'json')).json<{ items: { key: string; body: string }[] }>();
  assert.equal(doc.items.length, 1201);
  assert.deepEqual(
    doc.items.map((i) => i.key),
    Array.from({ length: 1201 }, (_, i) => `BIG-${i + 1}`),
  );
  assert.equal(doc.items[1200]!.body, 'body 1201');
  const csvLines = (await exported(spec.id, 'csv')).body.trimEnd().split('\n');
  assert.equal(csvLines.length, 1202);
});

async function count(table: string, column: string, id: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${id}`.execute(app.db);
  return Number(rows[0]!.n);
}

test('deleting a specification removes its items and their history, and nothing else', async () => {
  const project = await createProject(app, owner);
  const doomed = await createSpecification(app, owner, project.id);
  const kept = await createSpecification(app, owner, project.id);
  for (let i = 0; i < 3; i++) {
    await createItem(app, owner, doomed.id);
    await createItem(app, owner, kept.id);
  }
  const res = await app.inject({
    method: 'DELETE',
    url: `/api/v1/specifications/${doomed.id}`,
    headers: owner.auth,
  });
  assert.equal(res.statusCode, 204);
  assert.equal(await count('specifications', 'id', doomed.id), 0);
  assert.equal(await count('items', 'specification_id', doomed.id), 0);
  assert.equal(await count('item_revisions', 'specification_id', doomed.id), 0);
  assert.equal(await count('items', 'specification_id', kept.id), 3);
  assert.equal(await count('item_revisions', 'specification_id', kept.id), 3);
  const gone = await app.inject({
    url: `/api/v1/specifications/${doomed.id}`,
    headers: owner.auth,
  });
  assert.equal(gone.statusCode, 404);
});

test('deleting a project removes members, specifications, items and history in one go', async () => {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, editor, 'editor');
  for (let s = 0; s < 2; s++) {
    const spec = await createSpecification(app, editor, project.id);
    for (let i = 0; i < 3; i++) await createItem(app, editor, spec.id);
  }
  const other = await createProject(app, owner);
  await createItem(app, owner, (await createSpecification(app, owner, other.id)).id);

  const res = await app.inject({
    method: 'DELETE',
    url: `/api/v1/projects/${project.id}`,
    headers: owner.auth,
  });
  assert.equal(res.statusCode, 204);
  for (const [table, column] of [
    ['projects', 'id'],
    ['project_members', 'project_id'],
    ['specifications', 'project_id'],
    ['items', 'project_id'],
    ['item_revisions', 'project_id'],
  ] as const) {
    assert.equal(await count(table, column, project.id), 0, table);
  }
  assert.equal(await count('items', 'project_id', other.id), 1);
  const list = await app.inject({ url: '/api/v1/projects?limit=100', headers: editor.auth });
  assert.ok(!list.json<{ data: { id: string }[] }>().data.some((p) => p.id === project.id));
});

test('creates and moves racing a delete of their specification or project: 2xx or 404, never a 5xx', async () => {
  for (const target of ['specification', 'project'] as const) {
    const project = await createProject(app, owner);
    const spec = await createSpecification(app, owner, project.id);
    const [first, second] = [
      await createItem(app, owner, spec.id),
      await createItem(app, owner, spec.id),
    ];
    const moves = Array.from({ length: 4 }, (_, i) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/items/${(i % 2 ? first : second).id}/move`,
        headers: owner.auth,
        payload: { after: i % 2 ? second.id : null },
      }),
    );
    const creates = Array.from({ length: 12 }, (_, i) =>
      i % 2
        ? app.inject({
            method: 'POST',
            url: `/api/v1/specifications/${spec.id}/items`,
            headers: owner.auth,
            payload: { title: `racing ${i}` },
          })
        : app.inject({
            method: 'POST',
            url: `/api/v1/projects/${project.id}/specifications`,
            headers: owner.auth,
            payload: { title: `racing ${i}` },
          }),
    );
    const deletion = app.inject({
      method: 'DELETE',
      url:
        target === 'project'
          ? `/api/v1/projects/${project.id}`
          : `/api/v1/specifications/${spec.id}`,
      headers: owner.auth,
    });
    const [deleted, ...results] = await Promise.all([deletion, ...creates, ...moves]);
    assert.equal(deleted.statusCode, 204);
    for (const res of results) {
      const { statusCode, body } = res;
      assert.ok([200, 201, 404].includes(statusCode), `${target}: ${statusCode} ${body}`);
    }
    assert.equal(await count('items', 'specification_id', spec.id), 0, 'nothing half-written');
  }
});
