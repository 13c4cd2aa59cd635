import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { LinkTypeRow, SuspectField } from './link-types.table.js';

export interface LinkTypeValues {
  key: string;
  name: string;
  inverse_name: string;
  hierarchical: boolean;
  suspect_fields: SuspectField[];
}

export async function insertLinkTypes(
  db: Kysely<Database>,
  projectId: string,
  types: readonly LinkTypeValues[],
): Promise<void> {
  await db
    .insertInto('link_types')
    .values(types.map((t) => ({ ...t, project_id: projectId })))
    .execute();
}

/** A project's link types, by key. */
export function listLinkTypeRows(db: Kysely<Database>, projectId: string): Promise<LinkTypeRow[]> {
  return db
    .selectFrom('link_types')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('key')
    .execute();
}

/**
 * A link type; `lock` takes its row lock: `share` for a writer that relies on it staying as it
 * is (creating a link), `update` for one that changes it.
 */
export function findLinkType(
  db: Kysely<Database>,
  projectId: string,
  key: string,
  lock: 'none' | 'share' | 'update' = 'none',
): Promise<LinkTypeRow | undefined> {
  const query = db
    .selectFrom('link_types')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('key', '=', key);
  if (lock === 'share') return query.forShare().executeTakeFirst();
  if (lock === 'update') return query.forUpdate().executeTakeFirst();
  return query.executeTakeFirst();
}

export async function countLinkTypes(db: Kysely<Database>, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('link_types')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Creates or replaces a link type (two concurrent creates of one key: the later one replaces). */
export function upsertLinkType(
  db: Kysely<Database>,
  projectId: string,
  values: LinkTypeValues,
): Promise<LinkTypeRow> {
  const { key, ...rest } = values;
  return db
    .insertInto('link_types')
    .values({ project_id: projectId, key, ...rest })
    .onConflict((oc) =>
      oc.columns(['project_id', 'key']).doUpdateSet({ ...rest, updated_at: sql`now()` }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteLinkTypeRow(
  db: Kysely<Database>,
  projectId: string,
  key: string,
): Promise<void> {
  await db
    .deleteFrom('link_types')
    .where('project_id', '=', projectId)
    .where('key', '=', key)
    .execute();
}

/** How many links use a type. */
export async function countLinksOfType(
  db: Kysely<Database>,
  projectId: string,
  key: string,
): Promise<number> {
  const row = await db
    .selectFrom('item_links')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('project_id', '=', projectId)
    .where('type', '=', key)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every link of a type as (source, target): the graph a hierarchical type must keep acyclic. */
export function linkEdgesOfType(
  db: Kysely<Database>,
  projectId: string,
  key: string,
): Promise<{ source_id: string; target_id: string }[]> {
  return db
    .selectFrom('item_links')
    .select(['source_id', 'target_id'])
    .where('project_id', '=', projectId)
    .where('type', '=', key)
    .execute();
}

/**
 * Makes the writers of one link type run one after another until their commits (a transaction
 * advisory lock on the project and type): a hierarchical type's cycle check must see every link
 * committed before it.
 */
export async function serializeWriters(
  db: Kysely<Database>,
  projectId: string,
  key: string,
): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`link-type:${projectId}:${key}`}, 0))`.execute(
    db,
  );
}
