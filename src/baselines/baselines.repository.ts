import { sql, type AliasedSelectQueryBuilder, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { ProjectRole } from '../projects/projects.table.js';
import type { BaselineItemRow, BaselineRow } from './baselines.table.js';

export type BaselineWithRole = BaselineRow & { role: ProjectRole };

/** The columns a snapshot query gives, which baseline_items keeps. */
const SNAPSHOT_COLUMNS = [
  'position',
  'item_id',
  'key',
  'specification_id',
  'title',
  'body_enc',
  'status',
  'version',
  'created_by',
  'updated_by',
  'created_at',
  'updated_at',
  'links',
] as const;

export function insertBaselineRow(
  db: Kysely<Database>,
  row: {
    id: string;
    project_id: string;
    specification_id: string;
    name: string;
    description_enc: string | null;
    specification_title: string;
    created_by: string;
  },
): Promise<BaselineRow> {
  return db
    .insertInto('baselines')
    .values({ ...row, item_count: 0, content_hash: '' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Copies what the snapshot query selects into the baseline: one INSERT … SELECT, so the copy is
 * one consistent read of the specification. Answers how many items it copied.
 */
export async function copySnapshot(
  db: Kysely<Database>,
  baselineId: string,
  // The items service's query, giving the columns of SNAPSHOT_COLUMNS, aliased `s`.
  snapshot: AliasedSelectQueryBuilder<Record<(typeof SNAPSHOT_COLUMNS)[number], unknown>, 's'>,
): Promise<number> {
  const result = await db
    .insertInto('baseline_items')
    .columns(['baseline_id', ...SNAPSHOT_COLUMNS])
    .expression(
      db
        .selectFrom(snapshot)
        .select([
          sql<string>`${baselineId}::uuid`.as('baseline_id'),
          ...SNAPSHOT_COLUMNS.map((c) => sql.ref(`s.${c}`).as(c)),
        ]),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

export async function sealBaseline(
  db: Kysely<Database>,
  baselineId: string,
  itemCount: number,
  contentHash: string,
): Promise<BaselineRow> {
  return db
    .updateTable('baselines')
    .set({ item_count: itemCount, content_hash: contentHash })
    .where('id', '=', baselineId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The baseline with the caller's role in its project, when the caller is a member; `hold` locks
 * it FOR KEY SHARE (it cannot be deleted until the commit), `delete` FOR UPDATE.
 */
export function findBaselineOfUser(
  db: Kysely<Database>,
  baselineId: string,
  userId: string,
  lock: 'none' | 'hold' | 'delete' = 'none',
): Promise<BaselineWithRole | undefined> {
  const query = db
    .selectFrom('baselines as b')
    .innerJoin('project_members as m', (j) =>
      j.onRef('m.project_id', '=', 'b.project_id').on('m.user_id', '=', userId),
    )
    .selectAll('b')
    .select('m.role')
    .where('b.id', '=', baselineId);
  if (lock === 'hold') return query.forKeyShare('b').executeTakeFirst();
  if (lock === 'delete') return query.forUpdate('b').executeTakeFirst();
  return query.executeTakeFirst();
}

/** A specification's baselines, newest first, keyset by id (UUIDv7). */
export function listBaselineRows(
  db: Kysely<Database>,
  specificationId: string,
  options: { beforeId: string | null; limit: number },
): Promise<BaselineRow[]> {
  let query = db
    .selectFrom('baselines')
    .selectAll()
    .where('specification_id', '=', specificationId)
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.beforeId !== null) query = query.where('id', '<', options.beforeId);
  return query.execute();
}

export async function deleteBaselineRow(db: Kysely<Database>, baselineId: string): Promise<void> {
  await db.deleteFrom('baselines').where('id', '=', baselineId).execute();
}

/**
 * A baseline's items in document order, after a position. Positions are 1 … n without gaps, so
 * the page is a range of them: the planner needs no statistics of a baseline just taken to read
 * only those rows.
 */
export function baselineItemsByPosition(
  db: Kysely<Database>,
  baselineId: string,
  options: { afterPosition: number | null; limit: number },
): Promise<BaselineItemRow[]> {
  const after = options.afterPosition ?? 0;
  return db
    .selectFrom('baseline_items')
    .selectAll()
    .where('baseline_id', '=', baselineId)
    .where('position', '>', after)
    .where('position', '<=', after + options.limit)
    .orderBy('position')
    .execute();
}

/** These items of a baseline (those it holds), in no particular order. */
export function baselineItemsOf(
  db: Kysely<Database>,
  baselineId: string,
  itemIds: readonly string[],
): Promise<BaselineItemRow[]> {
  if (itemIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('baseline_items')
    .selectAll()
    .where('baseline_id', '=', baselineId)
    .where('item_id', '=', sql<string>`any(${sql.val(itemIds)}::uuid[])`)
    .execute();
}

/** A baseline's item ids in document order. */
export async function baselineItemOrder(
  db: Kysely<Database>,
  baselineId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('baseline_items')
    .select('item_id')
    .where('baseline_id', '=', baselineId)
    .orderBy('position')
    .execute();
  return rows.map((r) => r.item_id);
}

/** Whether the baseline belongs to the specification. */
export async function isBaselineOf(
  db: Kysely<Database>,
  baselineId: string,
  specificationId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('baselines')
    .select('id')
    .where('id', '=', baselineId)
    .where('specification_id', '=', specificationId)
    .executeTakeFirst();
  return row !== undefined;
}
