import { PGlite } from '@electric-sql/pglite';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { KEPT_ARRAY_TYPES, trimResultParsers } from '../../../src/platform/embedded/index.js';
import { openTestDatabase } from '../../helpers/database.js';

// Every kept type, alone and as an array, and types without an entry of their own.
const SAMPLE = `select
  true as bool, '{t,f,null}'::bool[] as bools, '\\x0102'::bytea as bytea, '{"\\\\x03"}'::bytea[] as byteas,
  9007199254740991::int8 as int8, '{1,2}'::int8[] as int8s, 2::int2 as int2, '{3}'::int2[] as int2s,
  4::int4 as int4, '{5,null}'::int4[] as int4s, 'a,b' as text, '{"a,b",c}'::text[] as texts,
  '{"k":[1]}'::json as json, '{"{\\"k\\":1}"}'::json[] as jsons, 1.5::float4 as float4,
  '{2.5}'::float4[] as float4s, 3.25::float8 as float8, '{4.5}'::float8[] as float8s,
  'v'::varchar as varchar, '{v,w}'::varchar[] as varchars, '2026-11-30'::date as date,
  '{2026-12-01}'::date[] as dates, '2026-11-30 10:00'::timestamp as ts, '{2026-11-30 11:00}'::timestamp[] as tss,
  '2026-11-30 10:00Z'::timestamptz as tstz, '{2026-11-30 11:00Z}'::timestamptz[] as tstzs,
  12.50::numeric as numeric, '{1.5}'::numeric[] as numerics,
  '01937000-0000-7000-8000-000000000001'::uuid as uuid, '{01937000-0000-7000-8000-000000000002}'::uuid[] as uuids,
  '{"k":{"n":1}}'::jsonb as jsonb, '{"[1,2]"}'::jsonb[] as jsonbs,
  '1 day'::interval as interval, '10.0.0.1'::inet as inet, 'x'::"char" as chr`;

test('embedded PostgreSQL: the trimmed parser table reads every kept type as before', async () => {
  const client = await PGlite.create();
  after(() => client.close());
  const before = (await client.query(SAMPLE)).rows[0];
  trimResultParsers(client);
  assert.ok(Object.keys(client.parsers).length <= 2 * KEPT_ARRAY_TYPES.size);
  const trimmed = (await client.query(SAMPLE)).rows[0] as Record<string, unknown>;
  assert.deepEqual(trimmed, before);
  // Spot checks that these are parsed values, not PostgreSQL's text form.
  assert.deepEqual(trimmed.texts, ['a,b', 'c']);
  assert.deepEqual(trimmed.int4s, [5, null]);
  assert.deepEqual(trimmed.jsonbs, [[1, 2]]);
  assert.ok(Array.isArray(trimmed.tstzs) && trimmed.tstzs[0] instanceof Date);
  assert.deepEqual(trimmed.uuids, ['01937000-0000-7000-8000-000000000002']);
});

test('every array column of the schema is of a type whose arrays are parsed', async () => {
  const database = await openTestDatabase();
  after(() => database.close());
  const { rows } = await sql<{ column: string; element: number }>`
    select c.table_name || '.' || c.column_name as column, t.typelem::int as element
    from information_schema.columns c join pg_type t on t.typname = c.udt_name
    where c.table_schema = current_schema() and c.data_type = 'ARRAY'`.execute(database.handle.db);
  assert.ok(rows.some((r) => r.column === 'users.identity_providers'));
  for (const { column, element } of rows) {
    assert.ok(KEPT_ARRAY_TYPES.has(element), `${column}: arrays of type ${element} are not kept`);
  }
});
