import { sql, type Insertable, type Kysely } from 'kysely';
import { isForeignKeyViolation } from '../platform/database-errors.js';
import type { Database } from '../platform/schema.js';
import type { ItemRevisionTable, ItemRow, ItemStatus, ItemTable } from '../items/items.table.js';
import type { ItemLinkTable } from '../links/links.table.js';

/*
 * The bulk reads and writes of an import: a file of 10,000 items is a few dozen statements, not
 * tens of thousands. Rows go in batches that keep each statement under PostgreSQL's limit of
 * 65,535 parameters.
 */

const BATCH = 1000;

function* batches<T>(rows: readonly T[]): Generator<T[]> {
  for (let at = 0; at < rows.length; at += BATCH) yield rows.slice(at, at + BATCH);
}

/** The project's items a file names: by id, by the name an import recorded, or by key. */
export function findItemsByRef(
  db: Kysely<Database>,
  projectId: string,
  match: { ids: string[]; refs: string[]; keys: string[] },
): Promise<ItemRow[]> {
  return db
    .selectFrom('items')
    .selectAll()
    .where('project_id', '=', projectId)
    .where((eb) =>
      eb.or([
        eb('id', '=', sql<string>`any(${sql.val(match.ids)}::uuid[])`),
        eb('external_id', '=', sql<string>`any(${sql.val(match.refs)}::text[])`),
        eb('key', '=', sql<string>`any(${sql.val(match.keys)}::text[])`),
      ]),
    )
    .execute();
}

/**
 * Locks these items for update, in id order (every writer of several items takes that order),
 * and answers them as they are now (those that still exist).
 */
export async function lockItems(
  db: Kysely<Database>,
  itemIds: readonly string[],
): Promise<ItemRow[]> {
  if (itemIds.length === 0) return [];
  return db
    .selectFrom('items')
    .selectAll()
    .where('id', '=', sql<string>`any(${sql.val(itemIds)}::uuid[])`)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** A specification's items by order key, in document order. */
export function orderOf(
  db: Kysely<Database>,
  specificationId: string,
): Promise<{ id: string; order_key: string }[]> {
  return db
    .selectFrom('items')
    .select(['id', 'order_key'])
    .where('specification_id', '=', specificationId)
    .orderBy('order_key')
    .execute();
}

export type NewItemRow = Insertable<ItemTable>;

export async function insertItemRows(db: Kysely<Database>, rows: NewItemRow[]): Promise<void> {
  for (const batch of batches(rows)) await db.insertInto('items').values(batch).execute();
}

export type NewRevisionRow = Insertable<ItemRevisionTable>;

export async function insertRevisionRows(
  db: Kysely<Database>,
  rows: NewRevisionRow[],
): Promise<void> {
  for (const batch of batches(rows)) await db.insertInto('item_revisions').values(batch).execute();
}

/** Changes an item's fields and moves it to its next version. */
export function updateImportedItem(
  db: Kysely<Database>,
  itemId: string,
  patch: {
    title?: string;
    body_enc?: string;
    status?: ItemStatus;
    attributes_enc?: string | null;
    order_key?: string;
  },
  actorId: string,
): Promise<ItemRow> {
  return db
    .updateTable('items')
    .set({ ...patch, updated_by: actorId, updated_at: sql`now()`, version: sql`version + 1` })
    .where('id', '=', itemId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Moves these items `count` versions on (as many links were added); answers them. */
export function bumpItemVersions(
  db: Kysely<Database>,
  itemIds: readonly string[],
  actorId: string,
  count: number,
): Promise<Pick<ItemRow, 'id' | 'specification_id' | 'project_id' | 'version'>[]> {
  return db
    .updateTable('items')
    .set({ updated_by: actorId, updated_at: sql`now()`, version: sql`version + ${count}` })
    .where('id', '=', sql<string>`any(${sql.val(itemIds)}::uuid[])`)
    .returning(['id', 'specification_id', 'project_id', 'version'])
    .execute();
}

/** The items of the project with these ids or keys (link ends outside the file). */
export function findItemRefs(
  db: Kysely<Database>,
  projectId: string,
  ids: readonly string[],
  keys: readonly string[],
): Promise<{ id: string; key: string }[]> {
  return db
    .selectFrom('items')
    .select(['id', 'key'])
    .where('project_id', '=', projectId)
    .where((eb) =>
      eb.or([
        eb('id', '=', sql<string>`any(${sql.val(ids)}::uuid[])`),
        eb('key', '=', sql<string>`any(${sql.val(keys)}::text[])`),
      ]),
    )
    .execute();
}

/** The links going out of these items, as (source, target, type). */
export function linksFrom(
  db: Kysely<Database>,
  sourceIds: readonly string[],
): Promise<{ source_id: string; target_id: string; type: string }[]> {
  return db
    .selectFrom('item_links')
    .select(['source_id', 'target_id', 'type'])
    .where('source_id', '=', sql<string>`any(${sql.val(sourceIds)}::uuid[])`)
    .execute();
}

export type NewLinkRow = Insertable<ItemLinkTable>;

/**
 * Inserts links; one that exists already (a concurrent writer's) is skipped. Answers how many;
 * false when an item they name was deleted meanwhile (the caller's transaction is then void).
 */
export async function insertLinkRows(
  db: Kysely<Database>,
  rows: NewLinkRow[],
): Promise<number | false> {
  let inserted = 0;
  for (const batch of batches(rows)) {
    try {
      const result = await db
        .insertInto('item_links')
        .values(batch)
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
    } catch (err) {
      if (isForeignKeyViolation(err)) return false;
      throw err;
    }
  }
  return inserted;
}

/** Gives items new order keys (moves), each to its next version; answers them. */
export async function moveItemRows(
  db: Kysely<Database>,
  moves: { id: string; order_key: string }[],
  actorId: string,
): Promise<ItemRow[]> {
  // New keys never equal a key in use, so no row collides with another on the unique index.
  const { rows } = await sql<ItemRow>`
    update items as i
    set order_key = v.order_key, updated_by = ${actorId}, updated_at = now(),
        version = i.version + 1
    from unnest(${sql.val(moves.map((m) => m.id))}::uuid[],
                ${sql.val(moves.map((m) => m.order_key))}::text[]) as v(id, order_key)
    where i.id = v.id
    returning i.*`.execute(db);
  return rows;
}
