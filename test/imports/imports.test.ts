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
  type TestUser,
} from '../helpers/factories.js';
import {
  allItems,
  importFile,
  linksByTitle,
  NO_SAMPLES,
  REQIF_DIR,
  sample,
  type ImportResult,
} from './helpers.js';

const env = await setupTestEnv();
const app = await env.app({ IMPORT_MAX_BYTES: String(256 * 1024) });
const [owner, editor, viewer, stranger] = await Promise.all([
  createUser(app),
  createUser(app),
  createUser(app),
  createUser(app),
]);

async function project() {
  const made = await createProject(app, owner);
  await addMember(app, owner, made.id, editor, 'editor');
  await addMember(app, owner, made.id, viewer, 'viewer');
  return made;
}

/** Everything an import could have written in a project: its specifications and items. */
async function contents(projectId: string) {
  const specs = await app.db
    .selectFrom('specifications')
    .select('id')
    .where('project_id', '=', projectId)
    .execute();
  const items = await app.db
    .selectFrom('items')
    .select(['id', 'version'])
    .where('project_id', '=', projectId)
    .execute();
  const links = await app.db
    .selectFrom('item_links')
    .select('id')
    .where('project_id', '=', projectId)
    .execute();
  return { specs: specs.length, items: items.length, links: links.length };
}

async function exportOf(user: TestUser, specificationId: string, format: string) {
  const res = await app.inject({
    method: 'GET',
    url: `/api/v1/specifications/${specificationId}/export?format=${format}`,
    headers: user.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.body;
}

const reqif = (objects: string, extra = '') => `<?xml version="1.0" encoding="UTF-8"?>
<REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <CORE-CONTENT><REQ-IF-CONTENT>
    <SPEC-TYPES>
      <SPEC-OBJECT-TYPE IDENTIFIER="T"><SPEC-ATTRIBUTES>
        <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="NAME" LONG-NAME="ReqIF.Name"/>
        <ATTRIBUTE-DEFINITION-XHTML IDENTIFIER="TEXT" LONG-NAME="ReqIF.Text"/>
        <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="PRIO" LONG-NAME="Priority"/>
      </SPEC-ATTRIBUTES></SPEC-OBJECT-TYPE>
      <SPEC-RELATION-TYPE IDENTIFIER="R1" LONG-NAME="Satisfied by"/>
      <SPEC-RELATION-TYPE IDENTIFIER="R2" LONG-NAME="parent"/>
    </SPEC-TYPES>
    <SPEC-OBJECTS>${objects}</SPEC-OBJECTS>
    ${extra}
  </REQ-IF-CONTENT></CORE-CONTENT>
</REQ-IF>`;

const object = (id: string, name: string, text = '', priority = '') => `
      <SPEC-OBJECT IDENTIFIER="${id}"><VALUES>
        <ATTRIBUTE-VALUE-STRING THE-VALUE="${name}"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>NAME</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>
        <ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>TEXT</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION><THE-VALUE><xhtml:div>${text}</xhtml:div></THE-VALUE></ATTRIBUTE-VALUE-XHTML>
        ${priority === '' ? '' : `<ATTRIBUTE-VALUE-STRING THE-VALUE="${priority}"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>PRIO</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>`}
      </VALUES><TYPE><SPEC-OBJECT-TYPE-REF>T</SPEC-OBJECT-TYPE-REF></TYPE></SPEC-OBJECT>`;

const relation = (id: string, type: string, source: string, target: string) => `
      <SPEC-RELATION IDENTIFIER="${id}"><TYPE><SPEC-RELATION-TYPE-REF>${type}</SPEC-RELATION-TYPE-REF></TYPE>
        <SOURCE><SPEC-OBJECT-REF>${source}</SPEC-OBJECT-REF></SOURCE><TARGET><SPEC-OBJECT-REF>${target}</SPEC-OBJECT-REF></TARGET></SPEC-RELATION>`;

const specification = (id: string, name: string, refs: string[]) => `
      <SPECIFICATION IDENTIFIER="${id}" LONG-NAME="${name}"><CHILDREN>${refs
        .map(
          (r) =>
            `<SPEC-HIERARCHY IDENTIFIER="H-${id}-${r}"><OBJECT><SPEC-OBJECT-REF>${r}</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY>`,
        )
        .join('')}</CHILDREN></SPECIFICATION>`;

test('ReqIF relations become links; a type the project lacks is added by an owner, not an editor; attributes are kept and exported again', async () => {
  const p = await project();
  const xml = reqif(
    object(
      'REQ-1',
      'Sign in',
      '<xhtml:p>Users <xhtml:b>must</xhtml:b> sign in.</xhtml:p>',
      'High',
    ) +
      object('REQ-2', 'Sign out') +
      object('TEST-1', 'Test sign in'),
    `<SPEC-RELATIONS>${relation('L1', 'R1', 'TEST-1', 'REQ-1')}${relation('L2', 'R2', 'REQ-2', 'REQ-1')}</SPEC-RELATIONS>
     <SPECIFICATIONS>${specification('S1', 'Requirements', ['REQ-1', 'REQ-2'])}${specification('S2', 'Tests', ['TEST-1'])}</SPECIFICATIONS>`,
  );
  const res = await importFile(app, editor, p.id, xml, 'application/xml');
  assert.equal(res.statusCode, 201, res.body);
  const result = res.json<ImportResult>();
  assert.deepEqual(
    { ...result, specifications: result.specifications.map((s) => s.title) },
    {
      specifications: ['Requirements', 'Tests'],
      created: 3,
      updated: 0,
      unchanged: 0,
      links: 1,
      warnings: [
        'SPEC-RELATION "L1": the project has no link type "Satisfied by" (owners may add it, or import the file themselves)',
      ],
    },
  );
  // Only owners add link types, here as through PUT /link-types: the owner's import adds it.
  const byOwner = await importFile(app, owner, p.id, xml, 'application/xml');
  assert.deepEqual(
    [byOwner.json<ImportResult>().unchanged, byOwner.json<ImportResult>().links],
    [3, 1],
  );
  const reqs = result.specifications[0] as { id: string };
  const items = await allItems(app, owner, reqs.id);
  assert.deepEqual(
    items.map((i) => [i.title, i.body]),
    [
      ['Sign in', 'Users **must** sign in.'],
      ['Sign out', ''],
    ],
  );
  const types = await app.inject({
    method: 'GET',
    url: `/api/v1/projects/${p.id}/link-types`,
    headers: owner.auth,
  });
  assert.ok(
    types
      .json<{ data: { key: string; name: string }[] }>()
      .data.some((t) => t.key === 'satisfied_by' && t.name === 'Satisfied by'),
  );
  // Priority has no field in Gilla: the JSON export keeps it under `attributes`, and so does
  // the ReqIF export, as a string attribute of the same name.
  const json = JSON.parse(await exportOf(owner, reqs.id, 'json')) as {
    items: { title: string; attributes?: Record<string, string> }[];
  };
  assert.deepEqual(json.items[0]?.attributes, { Priority: 'High' });
  assert.equal(json.items[1]?.attributes, undefined);
  const again = await exportOf(owner, reqs.id, 'reqif');
  assert.match(again, /LONG-NAME="Priority"/);
  assert.match(again, /THE-VALUE="High"/);
  // And a project that imports the JSON export keeps them too.
  const other = await project();
  const fromJson = await importFile(
    app,
    owner,
    other.id,
    await exportOf(owner, reqs.id, 'json'),
    'application/json',
  );
  assert.equal(fromJson.statusCode, 201, fromJson.body);
  const copied = fromJson.json<ImportResult>().specifications[0] as { id: string };
  const copy = JSON.parse(await exportOf(owner, copied.id, 'json')) as typeof json;
  assert.deepEqual(copy.items[0]?.attributes, { Priority: 'High' });
});

test('an edited ReqIF file in another order: the items follow it, each move a revision', async () => {
  const p = await project();
  const spec = (refs: string[]) =>
    `<SPECIFICATIONS>${specification('S1', 'Requirements', refs)}</SPECIFICATIONS>`;
  const all =
    object('A', 'Alpha') + object('B', 'Beta') + object('C', 'Gamma') + object('D', 'Delta');
  const first = await importFile(
    app,
    editor,
    p.id,
    reqif(all, spec(['A', 'B', 'C', 'D'])),
    'application/xml',
  );
  const specId = (first.json<ImportResult>().specifications[0] as { id: string }).id;
  const moved = await importFile(
    app,
    editor,
    p.id,
    reqif(all + object('E', 'Epsilon'), spec(['D', 'A', 'B', 'E', 'C'])),
    'application/xml',
  );
  assert.equal(moved.statusCode, 201, moved.body);
  const result = moved.json<ImportResult>();
  // D alone moved (A, B, C keep their order); E is new.
  assert.deepEqual([result.created, result.updated, result.unchanged], [1, 1, 3]);
  const items = await allItems(app, owner, specId);
  assert.deepEqual(
    items.map((i) => i.title),
    ['Delta', 'Alpha', 'Beta', 'Epsilon', 'Gamma'],
  );
  // The same file again: nothing moves, nothing changes.
  const again = await importFile(
    app,
    editor,
    p.id,
    reqif(all + object('E', 'Epsilon'), spec(['D', 'A', 'B', 'E', 'C'])),
    'application/xml',
  );
  assert.deepEqual(
    [again.json<ImportResult>().updated, again.json<ImportResult>().unchanged],
    [0, 5],
  );
  // An item the file now lists in another specification stays where it is, and is not "moved".
  const split = await importFile(
    app,
    editor,
    p.id,
    reqif(
      all + object('E', 'Epsilon'),
      `<SPECIFICATIONS>${specification('S1', 'Requirements', ['A', 'B', 'E', 'C'])}${specification('S2', 'Other', ['D'])}</SPECIFICATIONS>`,
    ),
    'application/xml',
  );
  assert.deepEqual(
    [split.json<ImportResult>().created, split.json<ImportResult>().updated],
    [0, 0],
  );
  assert.deepEqual(
    (await allItems(app, owner, specId)).map((i) => i.title),
    ['Delta', 'Alpha', 'Beta', 'Epsilon', 'Gamma'],
  );
  const d = items[0] as { id: string; version: number };
  const history = await app.inject({ url: `/api/v1/items/${d.id}/revisions`, headers: owner.auth });
  const latest = history.json<{ data: { action: string; changes: object }[] }>().data[0];
  assert.deepEqual(latest, {
    ...latest,
    action: 'moved',
    changes: { after: { before: (items[4] as { id: string }).id, after: null } },
  });
});

test('an edited ReqIF file: changed values update, new objects land where the file puts them', async () => {
  const p = await project();
  const spec = (refs: string[]) =>
    `<SPECIFICATIONS>${specification('S1', 'Requirements', refs)}</SPECIFICATIONS>`;
  const first = reqif(object('A', 'Alpha') + object('C', 'Gamma'), spec(['A', 'C']));
  const r1 = await importFile(app, editor, p.id, first, 'application/xml');
  assert.equal(r1.statusCode, 201, r1.body);
  const specId = (r1.json<ImportResult>().specifications[0] as { id: string }).id;
  const edited = reqif(
    object('Z', 'Zero') +
      object('A', 'Alpha', 'now with text', 'Low') +
      object('B', 'Beta') +
      object('C', 'Gamma'),
    spec(['Z', 'A', 'B', 'C']),
  );
  const r2 = await importFile(app, editor, p.id, edited, 'application/xml');
  assert.equal(r2.statusCode, 201, r2.body);
  const result = r2.json<ImportResult>();
  assert.deepEqual([result.created, result.updated, result.unchanged], [2, 1, 1]);
  const items = await allItems(app, owner, specId);
  assert.deepEqual(
    items.map((i) => [i.title, i.body]),
    [
      ['Zero', ''],
      ['Alpha', 'now with text'],
      ['Beta', ''],
      ['Gamma', ''],
    ],
  );
  assert.equal(items[1]?.version, 2, 'one revision for the changed item');
  assert.equal(items[3]?.version, 1, 'the unchanged one is untouched');
});

test('Gilla JSON: a specification exported and imported into another project, twice, makes one copy', async () => {
  const source = await project();
  const spec = await createSpecification(app, owner, source.id, { title: 'Source spec' });
  const a = await createItem(app, owner, spec.id, {
    title: 'A',
    body: 'alpha',
    status: 'approved',
  });
  const b = await createItem(app, owner, spec.id, { title: 'B' });
  await createLink(app, owner, b.id, a.id, 'verifies');
  const file = await exportOf(owner, spec.id, 'json');
  const target = await project();
  const first = await importFile(app, editor, target.id, file, 'application/json');
  assert.equal(first.statusCode, 201, first.body);
  assert.deepEqual(
    { ...first.json<ImportResult>(), specifications: undefined },
    { specifications: undefined, created: 2, updated: 0, unchanged: 0, links: 1, warnings: [] },
  );
  const second = await importFile(app, editor, target.id, file, 'application/json');
  assert.deepEqual(
    [second.json<ImportResult>().created, second.json<ImportResult>().unchanged],
    [0, 2],
  );
  assert.deepEqual(await contents(target.id), { specs: 1, items: 2, links: 1 });
  const copy = await allItems(
    app,
    owner,
    (first.json<ImportResult>().specifications[0] as { id: string }).id,
  );
  assert.deepEqual(
    copy.map((i) => [i.title, i.body, i.status]),
    [
      ['A', 'alpha', 'approved'],
      ['B', '', 'draft'],
    ],
  );
});

test('Gilla JSON into the same project restores a baseline: the items take its state back', async () => {
  const p = await project();
  const spec = await createSpecification(app, owner, p.id, { title: 'Spec' });
  const a = await createItem(app, owner, spec.id, { title: 'Before' });
  const taken = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${spec.id}/baselines`,
    headers: owner.auth,
    payload: { name: 'v1' },
  });
  const baselineId = taken.json<{ id: string }>().id;
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${a.id}`,
    headers: owner.auth,
    payload: { title: 'After' },
  });
  const file = await app.inject({
    method: 'GET',
    url: `/api/v1/baselines/${baselineId}/export?format=json`,
    headers: owner.auth,
  });
  const res = await importFile(app, owner, p.id, file.body, 'application/json');
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual([res.json<ImportResult>().created, res.json<ImportResult>().updated], [0, 1]);
  assert.deepEqual(
    (await allItems(app, owner, spec.id)).map((i) => i.title),
    ['Before'],
  );
});

test('CSV: imported once, matched by key the second time; edits update; formula quotes are undone', async () => {
  const p = await project();
  const csv =
    'key,title,body,status,Owner\n' +
    'REQ-1,Sign in,"Users sign in.\nWith a password.",approved,alice\n' +
    "REQ-2,Sign out,'=SUM(A1),,bob\n";
  const first = await importFile(app, editor, p.id, csv, 'text/csv', '?title=From%20Excel');
  assert.equal(first.statusCode, 201, first.body);
  const result = first.json<ImportResult>();
  assert.deepEqual(
    [result.specifications[0]?.title, result.created, result.updated],
    ['From Excel', 2, 0],
  );
  const specId = (result.specifications[0] as { id: string }).id;
  assert.deepEqual(
    (await allItems(app, owner, specId)).map((i) => [i.title, i.body, i.status]),
    [
      ['Sign in', 'Users sign in.\nWith a password.', 'approved'],
      ['Sign out', '=SUM(A1)', 'draft'],
    ],
  );
  const again = await importFile(app, editor, p.id, csv, 'text/csv');
  assert.deepEqual(
    [again.json<ImportResult>().created, again.json<ImportResult>().unchanged],
    [0, 2],
  );
  assert.deepEqual(await contents(p.id), { specs: 1, items: 2, links: 0 });
  const edited = csv.replace('Sign out,', 'Sign out everywhere,');
  const third = await importFile(app, editor, p.id, edited, 'text/csv');
  assert.deepEqual(
    [third.json<ImportResult>().created, third.json<ImportResult>().updated],
    [0, 1],
  );
  // A CSV export of the specification imports back onto itself.
  const exported = await exportOf(owner, specId, 'csv');
  const round = await importFile(app, editor, p.id, exported, 'text/csv');
  assert.deepEqual(
    [round.json<ImportResult>().created, round.json<ImportResult>().updated],
    [0, 0],
  );
});

test('?specificationId= puts every item into that specification, after what it holds', async () => {
  const p = await project();
  const spec = await createSpecification(app, owner, p.id, { title: 'Existing' });
  await createItem(app, owner, spec.id, { title: 'Already here' });
  const res = await importFile(
    app,
    editor,
    p.id,
    'title\nNew one\nNew two\n',
    'text/csv',
    `?specificationId=${spec.id}`,
  );
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual(
    (await allItems(app, owner, spec.id)).map((i) => i.title),
    ['Already here', 'New one', 'New two'],
  );
  const elsewhere = await project();
  const other = await createSpecification(app, owner, elsewhere.id, { title: 'Other project' });
  const wrong = await importFile(
    app,
    editor,
    p.id,
    'title\nX\n',
    'text/csv',
    `?specificationId=${other.id}`,
  );
  assert.equal(wrong.statusCode, 404);
});

test('who may import: editors and owners; a viewer 403, a stranger 404, nobody 401', async () => {
  const p = await project();
  const body = 'title\nOne\n';
  assert.equal((await importFile(app, owner, p.id, body, 'text/csv')).statusCode, 201);
  assert.equal((await importFile(app, editor, p.id, body, 'text/csv')).statusCode, 201);
  const denied = await importFile(app, viewer, p.id, body, 'text/csv');
  assert.equal(denied.statusCode, 403);
  assert.equal(denied.json<{ code: string }>().code, 'forbidden');
  assert.equal((await importFile(app, stranger, p.id, body, 'text/csv')).statusCode, 404);
  const anonymous = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${p.id}/imports`,
    headers: { 'content-type': 'text/csv' },
    payload: body,
  });
  assert.equal(anonymous.statusCode, 401);
  // The file is not read for someone who may not import: a viewer's malformed JSON (which the
  // body parser would refuse as 400) or oversized file (413) is still a 403.
  assert.equal(
    (await importFile(app, viewer, p.id, '{not json', 'application/json')).statusCode,
    403,
  );
  const huge = `title\n${'x\n'.repeat(200_000)}`;
  assert.equal((await importFile(app, viewer, p.id, huge, 'text/csv')).statusCode, 403);
  assert.equal((await importFile(app, stranger, p.id, huge, 'text/csv')).statusCode, 404);
  const anonymousHuge = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${p.id}/imports`,
    headers: { 'content-type': 'text/csv' },
    payload: huge,
  });
  assert.equal(anonymousHuge.statusCode, 401);
  assert.ok(anonymousHuge.headers['ratelimit-limit'], 'the rate limit still applies');
  const badId = await importFile(app, editor, 'not-a-uuid', body, 'text/csv');
  assert.equal(badId.statusCode, 400);
});

/** Asserts a 400 import_invalid whose detail matches, and that the project is as it was. */
async function refused(
  projectId: string,
  body: string | Buffer,
  type: string,
  detail: RegExp,
  status = 400,
) {
  const before = await contents(projectId);
  const res = await importFile(app, editor, projectId, body, type);
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /application\/problem\+json/);
  const problem = res.json<{ code: string; detail: string }>();
  if (status === 400) assert.equal(problem.code, 'import_invalid');
  assert.match(problem.detail, detail);
  assert.deepEqual(await contents(projectId), before, 'nothing written');
  return problem;
}

test('malformed files are 400 import_invalid naming where they fail, and write nothing', async () => {
  const p = await project();
  await refused(
    p.id,
    '<REQ-IF><SPEC-OBJECTS>\n<SPEC-OBJECT IDENTIFIER="x">\n</REQ-IF>',
    'application/xml',
    /line 3/,
  );
  await refused(p.id, '<html><body/></html>', 'application/xml', /root element is <html>/);
  await refused(p.id, 'not xml at all', 'application/xml', /line 1/);
  await refused(
    p.id,
    reqif('<SPEC-OBJECT LAST-CHANGE="2020-01-01T00:00:00Z"><VALUES/></SPEC-OBJECT>'),
    'application/xml',
    /<SPEC-OBJECT> has no IDENTIFIER/,
  );
  await refused(p.id, 'key,title\nA-1,One\nA-2,\n', 'text/csv', /line 3: the title/);
  await refused(
    p.id,
    'title,status\nOne,finished\n',
    'text/csv',
    /line 2: "finished" is not a status/,
  );
  await refused(p.id, 'key,body\nA-1,x\n', 'text/csv', /no "title" column/);
  await refused(p.id, 'title,body\n"unclosed,x\n', 'text/csv', /line/);
  await refused(p.id, '{"items":[{"title":""}]}', 'application/json', /items\.0\.title/);
  await refused(
    p.id,
    '{"items":[{"title":"x","status":"done"}]}',
    'application/json',
    /items\.0\.status/,
  );
  await refused(p.id, '{"hello":"world"}', 'application/json', /items/);
});

test('all or nothing: a file that fails at its last item writes none of the others', async () => {
  const p = await project();
  const huge = 'x'.repeat(65 * 1024);
  const xml = reqif(
    object('A', 'Alpha') + object('B', 'Beta') + object('C', 'Gamma', huge),
    `<SPECIFICATIONS>${specification('S1', 'Requirements', ['A', 'B', 'C'])}</SPECIFICATIONS>`,
  );
  await refused(p.id, xml, 'application/xml', /"C": the body is larger than 64 KiB/);
});

test('XML attacks are refused: external entities (XXE), entity expansion, deep nesting', async () => {
  const p = await project();
  const xxe = `<?xml version="1.0"?>
<!DOCTYPE REQ-IF [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<REQ-IF><THE-HEADER><REQ-IF-HEADER IDENTIFIER="h"><TITLE>&secret;</TITLE></REQ-IF-HEADER></THE-HEADER></REQ-IF>`;
  const problem = await refused(p.id, xxe, 'application/xml', /DOCTYPE is refused/);
  assert.doesNotMatch(JSON.stringify(problem), /root:/);
  const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<REQ-IF>&lol3;</REQ-IF>`;
  await refused(p.id, laughs, 'application/xml', /DOCTYPE is refused/);
  // An entity that was never declared is not expanded either.
  await refused(p.id, '<REQ-IF>&undeclared;</REQ-IF>', 'application/xml', /undefined entity/);
  const deep = `<REQ-IF>${'<a>'.repeat(300)}${'</a>'.repeat(300)}</REQ-IF>`;
  await refused(p.id, deep, 'application/xml', /nest deeper than 256/);
});

test('size and type: above IMPORT_MAX_BYTES is 413, a type that is no import is 415', async () => {
  const p = await project();
  const big = `title\n${'A title\n'.repeat(40_000)}`;
  assert.ok(Buffer.byteLength(big) > 256 * 1024);
  await refused(p.id, big, 'text/csv', /.*/, 413);
  const plain = await importFile(app, editor, p.id, 'title\nx\n', 'text/plain');
  assert.equal(plain.statusCode, 415);
  // The import's own limit holds for every type it takes.
  const bigJson = JSON.stringify({
    items: Array.from({ length: 6 }, (_, i) => ({ title: `x${i}`, body: 'y'.repeat(50_000) })),
  });
  await refused(p.id, bigJson, 'application/json', /.*/, 413);
  const bigXml = reqif(object('A', 'Alpha', 'z'.repeat(300 * 1024)));
  await refused(p.id, bigXml, 'application/xml', /.*/, 413);
  const json = JSON.stringify({ items: [{ title: 'x', body: 'y'.repeat(60 * 1024) }] });
  assert.equal((await importFile(app, editor, p.id, json, 'application/json')).statusCode, 201);
});

test('links: a hierarchy cycle is left out with a warning; ends the file lacks are warnings', async () => {
  const p = await project();
  const xml = reqif(
    object('A', 'Alpha') + object('B', 'Beta'),
    `<SPEC-RELATIONS>${relation('L1', 'R2', 'A', 'B')}${relation('L2', 'R2', 'B', 'A')}${relation('L3', 'R1', 'A', 'GONE')}</SPEC-RELATIONS>
     <SPECIFICATIONS>${specification('S1', 'Requirements', ['A', 'B', 'MISSING'])}</SPECIFICATIONS>`,
  );
  const res = await importFile(app, editor, p.id, xml, 'application/xml');
  assert.equal(res.statusCode, 201, res.body);
  const result = res.json<ImportResult>();
  assert.equal(result.links, 1);
  assert.equal(result.warnings.length, 3, result.warnings.join('\n'));
  assert.ok(result.warnings.some((w) => /L2.*cycle/.test(w)));
  assert.ok(result.warnings.some((w) => /L3.*GONE/.test(w)));
  assert.ok(result.warnings.some((w) => /MISSING/.test(w)));
});

test('a real DOORS file: titles from Object Heading or Object Text, the outline as parent links', async (t) => {
  if (REQIF_DIR === null) return t.skip(NO_SAMPLES);
  const p = await project();
  const res = await importFile(
    app,
    editor,
    p.id,
    sample('ReqIF_Studio_01_anonimized_example.reqif'),
    'application/xml',
  );
  assert.equal(res.statusCode, 201, res.body);
  const result = res.json<ImportResult>();
  assert.equal(result.created, 137);
  assert.equal(result.links, 141, '127 parent links from the outline and 14 relations');
});

test('two imports of one file at once make one copy; an import racing the deletion of its specification is 201 or 404', async () => {
  const p = await project();
  const xml = reqif(
    object('A', 'Alpha') + object('B', 'Beta'),
    `<SPECIFICATIONS>${specification('S1', 'Requirements', ['A', 'B'])}${specification('S1', 'Requirements again', [])}</SPECIFICATIONS>`,
  );
  const both = await Promise.all([
    importFile(app, editor, p.id, xml, 'application/xml'),
    importFile(app, owner, p.id, xml, 'application/xml'),
  ]);
  assert.deepEqual(
    both.map((r) => r.statusCode),
    [201, 201],
  );
  assert.deepEqual(both.map((r) => r.json<ImportResult>().created).sort(), [0, 2]);
  assert.deepEqual(await contents(p.id), { specs: 1, items: 2, links: 0 });

  const spec = await createSpecification(app, owner, p.id, { title: 'Doomed' });
  const [imported, deleted] = await Promise.all([
    importFile(app, editor, p.id, 'title\nOne\nTwo\n', 'text/csv', `?specificationId=${spec.id}`),
    app.inject({ method: 'DELETE', url: `/api/v1/specifications/${spec.id}`, headers: owner.auth }),
  ]);
  assert.equal(deleted.statusCode, 204);
  assert.ok([201, 404].includes(imported.statusCode), imported.body);
  assert.deepEqual(await contents(p.id), { specs: 1, items: 2, links: 0 }, 'nothing left behind');
});

test('a relation type named by its inverse ("verified by") makes the link the other way round', async () => {
  const p = await project();
  const xml = reqif(
    object('REQ', 'A requirement') + object('TEST', 'Its test'),
    `<SPEC-TYPES><SPEC-RELATION-TYPE IDENTIFIER="V" LONG-NAME="Verified by"/></SPEC-TYPES>
     <SPEC-RELATIONS>${relation('L1', 'V', 'REQ', 'TEST')}</SPEC-RELATIONS>`,
  );
  const res = await importFile(app, editor, p.id, xml, 'application/xml');
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json<ImportResult>().links, 1);
  assert.deepEqual(await linksByTitle(app, p.id), [
    { type: 'verifies', source: 'Its test', target: 'A requirement' },
  ]);
});

test("another project's export never overwrites an item here that only shares its key", async () => {
  const a = await createProject(app, owner, { key: 'SAME' });
  const b = await createProject(app, owner, { key: 'SAME' });
  const specA = await createSpecification(app, owner, a.id, { title: 'A' });
  const specB = await createSpecification(app, owner, b.id, { title: 'B' });
  await createItem(app, owner, specA.id, { title: 'From A' });
  const mine = await createItem(app, owner, specB.id, { title: 'Mine, in B' });
  assert.equal(mine.key, 'SAME-1');
  const file = await exportOf(owner, specA.id, 'json');
  assert.match(file, /"key":"SAME-1"/);
  const res = await importFile(app, owner, b.id, file, 'application/json');
  assert.deepEqual([res.json<ImportResult>().created, res.json<ImportResult>().updated], [1, 0]);
  const kept = await app.inject({ url: `/api/v1/items/${mine.id}`, headers: owner.auth });
  assert.equal(kept.json<{ title: string }>().title, 'Mine, in B');
});

test('a DOORS file round trip: import, export as ReqIF, import again changes nothing; attributes survive a baseline restore', async () => {
  const p = await project();
  const longName = `A name longer than Gilla's titles: ${'word '.repeat(50)}`.trim();
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <CORE-CONTENT><REQ-IF-CONTENT>
    <SPEC-TYPES><SPEC-OBJECT-TYPE IDENTIFIER="T"><SPEC-ATTRIBUTES>
      <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="NAME" LONG-NAME="ReqIF.Name"/>
      <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="FID" LONG-NAME="ReqIF.ForeignID"/>
      <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="ST" LONG-NAME="Status"/>
      <ATTRIBUTE-DEFINITION-XHTML IDENTIFIER="TXT" LONG-NAME="Object Text"/>
    </SPEC-ATTRIBUTES></SPEC-OBJECT-TYPE></SPEC-TYPES>
    <SPEC-OBJECTS>
      <SPEC-OBJECT IDENTIFIER="D-1"><VALUES>
        <ATTRIBUTE-VALUE-STRING THE-VALUE="${longName}"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>NAME</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>
        <ATTRIBUTE-VALUE-STRING THE-VALUE="1042"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>FID</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>
        <ATTRIBUTE-VALUE-STRING THE-VALUE="Accepted"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>ST</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>
        <ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>TXT</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION>
          <THE-VALUE><xhtml:div><![CDATA[Kept from CDATA: a < b]]></xhtml:div></THE-VALUE></ATTRIBUTE-VALUE-XHTML>
      </VALUES><TYPE><SPEC-OBJECT-TYPE-REF>T</SPEC-OBJECT-TYPE-REF></TYPE></SPEC-OBJECT>
    </SPEC-OBJECTS>
    <SPECIFICATIONS>${specification('S', 'Module', ['D-1'])}</SPECIFICATIONS>
  </REQ-IF-CONTENT></CORE-CONTENT>
</REQ-IF>`;
  const first = await importFile(app, owner, p.id, xml, 'application/xml');
  assert.equal(first.statusCode, 201, first.body);
  const specId = (first.json<ImportResult>().specifications[0] as { id: string }).id;
  const json = JSON.parse(await exportOf(owner, specId, 'json')) as {
    items: { title: string; body: string; attributes: Record<string, string> }[];
  };
  assert.equal(json.items[0]?.body, 'Kept from CDATA: a < b');
  assert.deepEqual(json.items[0]?.attributes, {
    'ReqIF.Name': longName,
    'ReqIF.ForeignID': '1042',
    Status: 'Accepted',
  });
  const again = await importFile(
    app,
    owner,
    p.id,
    await exportOf(owner, specId, 'reqif'),
    'application/xml',
  );
  assert.deepEqual(
    [again.json<ImportResult>().updated, again.json<ImportResult>().unchanged],
    [0, 1],
  );
  // A baseline keeps no attributes; restoring it leaves the item's own alone.
  const taken = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${specId}/baselines`,
    headers: owner.auth,
    payload: { name: 'v1' },
  });
  const file = await app.inject({
    url: `/api/v1/baselines/${taken.json<{ id: string }>().id}/export?format=reqif`,
    headers: owner.auth,
  });
  const restored = await importFile(app, owner, p.id, file.body, 'application/xml');
  assert.deepEqual([restored.json<ImportResult>().updated], [0]);
  const after = JSON.parse(await exportOf(owner, specId, 'json')) as typeof json;
  assert.deepEqual(after.items[0]?.attributes, json.items[0]?.attributes);
});

test('titles keep their inner spaces through JSON; a CSV row added later joins the others', async () => {
  const p = await project();
  const spec = await createSpecification(app, owner, p.id, { title: 'Spacing' });
  await createItem(app, owner, spec.id, { title: 'Two  spaces and\ta tab' });
  const copy = await project();
  const res = await importFile(
    app,
    owner,
    copy.id,
    await exportOf(owner, spec.id, 'json'),
    'application/json',
  );
  assert.equal(res.statusCode, 201, res.body);
  const copied = await allItems(
    app,
    owner,
    (res.json<ImportResult>().specifications[0] as { id: string }).id,
  );
  assert.equal(copied[0]?.title, 'Two  spaces and\ta tab');

  const csv = 'key,title\nK-1,First\n';
  const first = await importFile(app, editor, p.id, csv, 'text/csv');
  const home = (first.json<ImportResult>().specifications[0] as { id: string }).id;
  const more = await importFile(app, editor, p.id, `${csv}K-2,Second\n`, 'text/csv');
  assert.deepEqual(
    more.json<ImportResult>().specifications.map((s) => s.id),
    [home],
  );
  assert.deepEqual(
    (await allItems(app, owner, home)).map((i) => i.title),
    ['First', 'Second'],
  );
});
