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
} from '../helpers/factories.js';
import {
  allItems,
  importFile,
  linksByTitle,
  NO_XMLLINT,
  schemaErrors,
  xmllint,
  type ImportResult,
} from './helpers.js';

const env = await setupTestEnv();
const app = await env.app();
const [owner, viewer] = await Promise.all([createUser(app), createUser(app)]);

/** Bodies in the form Markdown comes back in: each one survives the trip byte for byte. */
const CANONICAL = [
  '',
  'One plain paragraph.',
  '# Heading\n\nSome *emphasis*, **strong**, `code` and a [link](https://example.com "title").',
  '- one\n- two\n  - nested\n\n1. first\n2. second',
  '> a quotation\n> on two lines',
  '```js\nconst x = 1 < 2 && 3 > 2;\n```',
  '| a | b |\n| - | :-: |\n| 1 | 2 |',
  '| only | a header |\n| - | - |',
  'Text with ~~strikethrough~~ and a line\\\nbreak, then ![a picture](https://example.com/p.png).',
  '---',
  'Unicode: Grüße, 日本語, emoji 🎉, and the five: & < > " \'',
];

/** Bodies written another way: they come back as the same document in canonical form. */
const OTHER = [
  { body: '* star list\n* item', canonical: '- star list\n- item' },
  { body: 'Setext\n======', canonical: '# Setext' },
  { body: '_underscore_ and __strong__', canonical: '*underscore* and **strong**' },
  { body: 'raw <b>html</b> stays text', canonical: 'raw \\<b>html\\</b> stays text' },
  { body: 'hard  \nbreak with spaces', canonical: 'hard\\\nbreak with spaces' },
];

async function exportReqif(url: string) {
  const res = await app.inject({ method: 'GET', url, headers: owner.auth });
  assert.equal(res.statusCode, 200, res.body);
  return res;
}

async function fixture() {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, viewer, 'viewer');
  const spec = await createSpecification(app, owner, project.id, { title: 'Requirements & more' });
  const other = await createSpecification(app, owner, project.id, { title: 'Tests' });
  const items = [];
  for (const [i, body] of [...CANONICAL, ...OTHER.map((o) => o.body)].entries()) {
    const status = (['draft', 'in_review', 'approved', 'obsolete'] as const)[i % 4];
    items.push(await createItem(app, owner, spec.id, { title: `Item ${i} <&>`, body, status }));
  }
  const [a, b, c, d] = items as [
    (typeof items)[0],
    (typeof items)[0],
    (typeof items)[0],
    (typeof items)[0],
  ];
  const t = await createItem(app, owner, other.id, { title: 'A test elsewhere' });
  await createLink(app, owner, a.id, b.id, 'verifies');
  await createLink(app, owner, c.id, a.id, 'parent');
  await createLink(app, owner, d.id, c.id, 'depends_on');
  await createLink(app, owner, a.id, t.id, 'relates_to');
  return { project, spec, other, items, t };
}

test('a specification exports as ReqIF 1.2 that the OMG schema accepts', async (t) => {
  const { spec, items } = await fixture();
  const res = await exportReqif(`/api/v1/specifications/${spec.id}/export?format=reqif`);
  assert.match(String(res.headers['content-type']), /^application\/xml/);
  assert.match(String(res.headers['content-disposition']), /\.reqif"$/);
  const xml = res.body;
  // A SPEC-OBJECT per item (its id, underscored: an XML ID cannot start with a digit), the
  // hierarchy in document order, and a relation per link whose target is in the file.
  const listed = await allItems(app, owner, spec.id);
  const hierarchy = [...xml.matchAll(/<OBJECT><SPEC-OBJECT-REF>_([^<]+)<\/SPEC-OBJECT-REF>/g)].map(
    (m) => m[1],
  );
  assert.deepEqual(
    hierarchy,
    listed.map((i) => i.id),
  );
  assert.equal([...xml.matchAll(/<SPEC-OBJECT IDENTIFIER=/g)].length, items.length);
  assert.equal(
    [...xml.matchAll(/<SPEC-RELATION IDENTIFIER=/g)].length,
    3,
    'not the link that leaves',
  );
  const first = listed[0] as { id: string; key: string };
  assert.match(
    xml,
    new RegExp(
      `<SPEC-OBJECT IDENTIFIER="_${first.id}" LAST-CHANGE="[^"]+Z" LONG-NAME="${first.key}">`,
    ),
  );
  assert.match(xml, /LONG-NAME="verifies"/);
  if (!xmllint) return t.skip(NO_XMLLINT);
  assert.equal(schemaErrors(xml), '');
});

test('a ReqIF export re-imported into an empty project gives the same titles, bodies, statuses, order and links', async () => {
  const { spec, items } = await fixture();
  const xml = (await exportReqif(`/api/v1/specifications/${spec.id}/export?format=reqif`)).body;
  const empty = await createProject(app, owner);
  const res = await importFile(app, owner, empty.id, xml, 'application/xml');
  assert.equal(res.statusCode, 201, res.body);
  const result = res.json<ImportResult>();
  assert.deepEqual(
    {
      created: result.created,
      updated: result.updated,
      links: result.links,
      warnings: result.warnings,
    },
    { created: items.length, updated: 0, links: 3, warnings: [] },
  );
  assert.deepEqual(
    result.specifications.map((s) => s.title),
    ['Requirements & more'],
  );
  const before = await allItems(app, owner, spec.id);
  const after = await allItems(app, owner, (result.specifications[0] as { id: string }).id);
  const expected = [...CANONICAL, ...OTHER.map((o) => o.canonical)];
  assert.deepEqual(
    after.map((i) => [i.title, i.body, i.status]),
    before.map((i, n) => [i.title, expected[n], i.status]),
  );
  // The links, by the titles of their ends.
  const linksOf = async (itemId: string) => {
    const r = await app.inject({
      method: 'GET',
      url: `/api/v1/items/${itemId}/links?direction=outgoing`,
      headers: owner.auth,
    });
    return r
      .json<{ data: { type: string; target: { title: string } }[] }>()
      .data.map((l) => `${l.type} ${l.target.title}`)
      .sort();
  };
  for (const [n, item] of after.entries()) {
    const original = (await linksOf((before[n] as { id: string }).id)).filter(
      (l) => l !== 'relates_to A test elsewhere',
    );
    assert.deepEqual(await linksOf(item.id), original, `links of ${item.title}`);
  }
});

test('re-importing its own export changes nothing, even bodies written in another Markdown style', async () => {
  const { project, spec, items } = await fixture();
  const xml = (await exportReqif(`/api/v1/specifications/${spec.id}/export?format=reqif`)).body;
  const before = await allItems(app, owner, spec.id);
  const res = await importFile(app, owner, project.id, xml, 'application/xml');
  assert.equal(res.statusCode, 201, res.body);
  const result = res.json<ImportResult>();
  assert.deepEqual(
    [result.created, result.updated, result.unchanged, result.links],
    [0, 0, items.length, 0],
  );
  assert.deepEqual(await allItems(app, owner, spec.id), before, 'not a byte or version changed');
});

test('an edited ReqIF file updates just what changed, as the importer, and marks links suspect', async () => {
  const { project, spec, items } = await fixture();
  const editor = await createUser(app);
  await addMember(app, owner, project.id, editor, 'editor');
  const xml = (await exportReqif(`/api/v1/specifications/${spec.id}/export?format=reqif`)).body;
  const b = items[1] as { id: string; version: number };
  const edited = xml.replace(
    'THE-VALUE="Item 1 &lt;&amp;&gt;"',
    'THE-VALUE="Item 1, renamed in DOORS"',
  );
  assert.notEqual(edited, xml);
  const res = await importFile(app, editor, project.id, edited, 'application/xml');
  assert.equal(res.statusCode, 201, res.body);
  const result = res.json<ImportResult>();
  assert.deepEqual([result.created, result.updated, result.unchanged], [0, 1, items.length - 1]);
  const item = await app.inject({
    method: 'GET',
    url: `/api/v1/items/${b.id}`,
    headers: owner.auth,
  });
  assert.equal(item.json<{ title: string }>().title, 'Item 1, renamed in DOORS');
  const revisions = await app.inject({
    method: 'GET',
    url: `/api/v1/items/${b.id}/revisions`,
    headers: owner.auth,
  });
  const latest = revisions.json<{
    data: { action: string; changedBy: string; changes: object }[];
  }>().data[0];
  assert.deepEqual(latest, {
    ...latest,
    action: 'updated',
    changedBy: editor.id,
    changes: { title: { before: 'Item 1 <&>', after: 'Item 1, renamed in DOORS' } },
  });
  // A verifies B: B's title changed, so the link is suspect now.
  const suspect = await app.inject({
    method: 'GET',
    url: `/api/v1/projects/${project.id}/suspect-links`,
    headers: owner.auth,
  });
  assert.deepEqual(
    suspect.json<{ data: { target: { id: string } }[] }>().data.map((l) => l.target.id),
    [b.id],
  );
});

test('a baseline exports as valid ReqIF with its items as they were', async (t) => {
  const { spec, items } = await fixture();
  const taken = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${spec.id}/baselines`,
    headers: owner.auth,
    payload: { name: 'v1' },
  });
  assert.equal(taken.statusCode, 201, taken.body);
  const a = items[0] as { id: string; version: number };
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${a.id}`,
    headers: owner.auth,
    payload: { title: 'Changed after the baseline' },
  });
  const res = await exportReqif(
    `/api/v1/baselines/${taken.json<{ id: string }>().id}/export?format=reqif`,
  );
  assert.match(res.body, /THE-VALUE="Item 0 &lt;&amp;&gt;"/);
  assert.doesNotMatch(res.body, /Changed after the baseline/);
  assert.equal([...res.body.matchAll(/<SPEC-RELATION IDENTIFIER=/g)].length, 3);
  if (!xmllint) return t.skip(NO_XMLLINT);
  assert.equal(schemaErrors(res.body), '');
});

test('a viewer may export as ReqIF; a stranger gets 404', async () => {
  const { spec } = await fixture();
  const stranger = await createUser(app);
  const seen = await app.inject({
    method: 'GET',
    url: `/api/v1/specifications/${spec.id}/export?format=reqif`,
    headers: viewer.auth,
  });
  assert.equal(seen.statusCode, 200);
  const hidden = await app.inject({
    method: 'GET',
    url: `/api/v1/specifications/${spec.id}/export?format=reqif`,
    headers: stranger.auth,
  });
  assert.equal(hidden.statusCode, 404);
});

test('parent links that make an outline export as a nested hierarchy, and come back as parent links', async (t) => {
  const project = await createProject(app, owner);
  const spec = await createSpecification(app, owner, project.id, { title: 'Outline' });
  const made: Record<string, { id: string }> = {};
  for (const title of ['A', 'B', 'C', 'D', 'E']) {
    made[title] = await createItem(app, owner, spec.id, { title });
  }
  const id = (title: string) => (made[title] as { id: string }).id;
  await createLink(app, owner, id('B'), id('A'), 'parent');
  await createLink(app, owner, id('C'), id('B'), 'parent');
  // E is A's child too, but D (at the top) comes between: E stays at the top, its link a relation.
  await createLink(app, owner, id('E'), id('A'), 'parent');
  const xml = (await exportReqif(`/api/v1/specifications/${spec.id}/export?format=reqif`)).body;
  const nesting = xml
    .slice(xml.indexOf('<CHILDREN>', xml.indexOf('<SPECIFICATIONS>')))
    .replace(
      /<SPEC-HIERARCHY[^>]*><OBJECT><SPEC-OBJECT-REF>_([^<]+)<\/SPEC-OBJECT-REF><\/OBJECT>/g,
      (_m, item: string) => `[${Object.keys(made).find((k) => id(k) === item)}`,
    )
    .replace(/<\/SPEC-HIERARCHY>/g, ']')
    .replace(/<[^>]+>|\s/g, '');
  assert.equal(nesting, '[A[B[C]]][D][E]');
  assert.equal([...xml.matchAll(/<SPEC-RELATION IDENTIFIER=/g)].length, 1);

  const empty = await createProject(app, owner);
  const res = await importFile(app, owner, empty.id, xml, 'application/xml');
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json<ImportResult>().links, 3);
  assert.deepEqual(await linksByTitle(app, empty.id), [
    { type: 'parent', source: 'B', target: 'A' },
    { type: 'parent', source: 'C', target: 'B' },
    { type: 'parent', source: 'E', target: 'A' },
  ]);
  if (!xmllint) return t.skip(NO_XMLLINT);
  assert.equal(schemaErrors(xml), '');
});
