import { types, type PGlite } from '@electric-sql/pglite';

/** Element type -> its array type (PostgreSQL's catalog OIDs, fixed across versions). */
export const KEPT_ARRAY_TYPES: ReadonlyMap<number, number> = new Map([
  [types.BOOL, 1000],
  [types.BYTEA, 1001],
  [types.INT8, 1016],
  [types.INT2, 1005],
  [types.INT4, 1007],
  [types.TEXT, 1009],
  [types.JSON, 199],
  [types.FLOAT4, 1021],
  [types.FLOAT8, 1022],
  [types.VARCHAR, 1015],
  [types.DATE, 1182],
  [types.TIMESTAMP, 1115],
  [types.TIMESTAMPTZ, 1185],
  [types.NUMERIC, 1231],
  [types.UUID, 2951],
  [types.JSONB, 3807],
]);

/**
 * Shrinks PGlite's table of result parsers to what it needs. PGlite 0.4 copies the whole table
 * (one entry per type and per array type in the catalog, about 300, most keyed by sparse OIDs)
 * with an object spread for every query: ~0.2 ms of CPU a query (a token refresh, one query,
 * took 3.1-3.4 ms of the service's CPU with the whole table and 2.6-2.7 ms without). PGlite
 * parses any type without an entry with its built-in parsers, so the table only needs the array
 * types, and for those their element types, which the array parsers look up in it. Arrays of
 * other types (a column, or an expression such as array_agg of one) would come back as
 * PostgreSQL's text form; a test checks that every array column of our schema is of a kept
 * type. (Fixed upstream in PGlite 0.5, which is PostgreSQL 18: it cannot open the data folders
 * that 0.4, PostgreSQL 17, wrote.)
 */
export function trimResultParsers(client: PGlite): void {
  const all = client.parsers;
  const kept: PGlite['parsers'] = {};
  for (const [element, array] of KEPT_ARRAY_TYPES) {
    if (all[element] !== undefined) kept[element] = all[element];
    if (all[array] !== undefined) kept[array] = all[array];
  }
  client.parsers = kept;
}
