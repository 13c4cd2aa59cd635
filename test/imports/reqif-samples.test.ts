import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { createProject, createUser } from '../helpers/factories.js';
import {
  allItems,
  importFile,
  NO_SAMPLES,
  REQIF_DIR,
  sample,
  type ImportResult,
} from './helpers.js';

const env = await setupTestEnv();
const app = await env.app();
const owner = await createUser(app);

const SAMPLES =
  REQIF_DIR === null
    ? []
    : readdirSync(path.join(REQIF_DIR, 'samples')).filter((f) => f.endsWith('.reqif'));
if (REQIF_DIR === null) test('the real ReqIF files import', (t) => t.skip(NO_SAMPLES));

/**
 * What a file holds, counted without the importer: the SPEC-OBJECTs' IDENTIFIERs inside
 * SPEC-OBJECTS, and each SPECIFICATION's hierarchy references in document order.
 */
function census(xml: string) {
  const objectsPart = /<SPEC-OBJECTS>([\s\S]*?)<\/SPEC-OBJECTS>/.exec(xml)?.[1] ?? '';
  const objects = [...objectsPart.matchAll(/<SPEC-OBJECT\b[^>]*?\bIDENTIFIER="([^"]+)"/g)].map(
    (m) => m[1] as string,
  );
  const specs = [...xml.matchAll(/<SPECIFICATION\b[\s\S]*?<\/SPECIFICATION>/g)].map((m) =>
    [...m[0].matchAll(/<OBJECT>\s*<SPEC-OBJECT-REF>([^<]+)<\/SPEC-OBJECT-REF>/g)].map((r) =>
      (r[1] as string).trim(),
    ),
  );
  const relationsPart = /<SPEC-RELATIONS>([\s\S]*?)<\/SPEC-RELATIONS>/.exec(xml)?.[1] ?? '';
  const relations = [...relationsPart.matchAll(/<SPEC-RELATION[\s>]/g)].length;
  // What a person entered: every simple value, and the text of every XHTML value.
  const values = [
    ...[
      ...objectsPart.matchAll(
        /<ATTRIBUTE-VALUE-(?:STRING|INTEGER|REAL|DATE|BOOLEAN)\b[^>]*?THE-VALUE="([^"]*)"/g,
      ),
    ].map((m) => m[1] as string),
    ...[...objectsPart.matchAll(/<THE-VALUE>([\s\S]*?)<\/THE-VALUE>/g)].map((m) =>
      (m[1] as string).replace(/<[^>]+>/g, ' '),
    ),
  ]
    .map(normal)
    .filter((v) => v !== '');
  return { objects, specs, relations, values };
}

/** Text with entities decoded, Markdown escapes and whitespace differences dropped. */
function normal(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_m, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[\\*_`#>|-]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const table: string[] = [];

for (const name of SAMPLES) {
  test(`${name}: every SPEC-OBJECT becomes exactly one item, in hierarchy order; a second import creates nothing`, async () => {
    const xml = sample(name).toString('utf8');
    const { objects, specs, relations, values } = census(xml);
    const project = await createProject(app, owner);
    const res = await importFile(app, owner, project.id, xml, 'application/xml');
    assert.equal(res.statusCode, 201, res.body);
    const result = res.json<ImportResult>();
    assert.equal(result.created, new Set(objects).size);
    assert.equal(result.updated + result.unchanged, 0);

    // Every item, in every specification the import names.
    const items = [];
    for (const spec of result.specifications) items.push(...(await allItems(app, owner, spec.id)));
    assert.equal(items.length, new Set(objects).size, 'one item per SPEC-OBJECT');
    for (const item of items) {
      assert.ok(item.title.trim().length > 0, 'every item has a title');
    }
    // The hierarchy's objects come first, each in its specification in document order.
    const known = new Set(objects);
    const placed: string[] = [];
    for (const refs of specs)
      for (const r of refs) if (known.has(r) && !placed.includes(r)) placed.push(r);
    const missing = specs.flat().filter((r) => !known.has(r));
    for (const ref of new Set(missing)) {
      assert.ok(
        result.warnings.some((w) => w.includes(ref)),
        `a warning names the missing object ${ref}`,
      );
    }
    const unplaced = objects.filter((o) => !placed.includes(o));
    // In the database, each specification holds its objects in the hierarchy's order.
    const spec0 = result.specifications[0];
    if (spec0 && specs.length > 0) {
      const rows = await app.db
        .selectFrom('items')
        .select('external_id')
        .where('specification_id', '=', spec0.id)
        .orderBy('order_key')
        .execute();
      const first = (specs[0] ?? []).filter((r, i, all) => known.has(r) && all.indexOf(r) === i);
      assert.deepEqual(
        rows.map((r) => r.external_id),
        first,
      );
    }
    // Nothing a person entered is lost: every value is in a title, a body or a kept attribute.
    let exported = '';
    for (const spec of result.specifications) {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/specifications/${spec.id}/export?format=json`,
        headers: owner.auth,
      });
      const file = res.json<{
        items: { title: string; body: string; attributes?: Record<string, string> }[];
      }>();
      for (const item of file.items) {
        exported += ` ${item.title} ${item.body} ${Object.values(item.attributes ?? {}).join(' ')} `;
      }
    }
    const text = normal(exported);
    for (const value of values) assert.ok(text.includes(value), `"${value}" is kept`);
    assert.equal(
      result.specifications.length,
      specs.length + (unplaced.length > 0 ? 1 : 0),
      'a specification per SPECIFICATION, and one more for the objects no hierarchy reaches',
    );
    table.push(
      `| ${name} | ${objects.length} | ${relations} | ${result.created} | ${result.links} | ${result.warnings.length} |`,
    );

    const again = await importFile(app, owner, project.id, xml, 'application/xml');
    assert.equal(again.statusCode, 201, again.body);
    const second = again.json<ImportResult>();
    assert.deepEqual(
      { created: second.created, updated: second.updated, links: second.links },
      { created: 0, updated: 0, links: 0 },
    );
    assert.equal(second.unchanged, new Set(objects).size);
    assert.deepEqual(
      second.specifications.map((s) => s.id).sort(),
      result.specifications.map((s) => s.id).sort(),
      'no new specification either',
    );
  });
}

test('prints the table of samples', { skip: REQIF_DIR === null ? NO_SAMPLES : false }, () => {
  console.log(
    ['| file | SPEC-OBJECTs | SPEC-RELATIONs | items | links | warnings |', ...table].join('\n'),
  );
});
