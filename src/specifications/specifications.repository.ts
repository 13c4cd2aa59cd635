import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { ProjectRole } from '../projects/projects.table.js';
import type { SpecificationRow, SpecificationStatus } from './specifications.table.js';

export type SpecificationWithRole = SpecificationRow & { role: ProjectRole };

export function insertSpecification(
  db: Kysely<Database>,
  row: {
    id: string;
    project_id: string;
    title: string;
    description_enc: string | null;
    status: SpecificationStatus;
    created_by: string;
    updated_by: string;
    external_id?: string | null;
  },
): Promise<SpecificationRow> {
  return db.insertInto('specifications').values(row).returningAll().executeTakeFirstOrThrow();
}

/** A project's specifications, oldest first, keyset by id (UUIDv7). */
export function listSpecificationRows(
  db: Kysely<Database>,
  projectId: string,
  options: { afterId: string | null; limit: number },
): Promise<SpecificationRow[]> {
  let query = db
    .selectFrom('specifications')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('id')
    .limit(options.limit);
  if (options.afterId !== null) query = query.where('id', '>', options.afterId);
  return query.execute();
}

/**
 * How strongly a read locks the specification row: `change` for an edit of its own fields (item
 * writes go on beside it), `delete` for its deletion (everything that writes in it waits).
 */
export type SpecificationLock = 'none' | 'change' | 'delete';

/** The specification with the caller's role in its project, when the caller is a member. */
export function findSpecificationOfUser(
  db: Kysely<Database>,
  specificationId: string,
  userId: string,
  lock: SpecificationLock = 'none',
): Promise<SpecificationWithRole | undefined> {
  const query = db
    .selectFrom('specifications as s')
    .innerJoin('project_members as m', (j) =>
      j.onRef('m.project_id', '=', 's.project_id').on('m.user_id', '=', userId),
    )
    .selectAll('s')
    .select('m.role')
    .where('s.id', '=', specificationId);
  const locked =
    lock === 'delete'
      ? query.forUpdate('s')
      : lock === 'change'
        ? query.forNoKeyUpdate('s')
        : query;
  return locked.executeTakeFirst();
}

/**
 * Holds the specification for a write of its items (KEY SHARE: it cannot be deleted meanwhile,
 * but it may be edited). Item writers take it before any item lock, as a deletion takes the
 * specification before its items: that order is what keeps them from deadlocking.
 */
export async function holdSpecification(
  db: Kysely<Database>,
  specificationId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('specifications')
    .select('id')
    .where('id', '=', specificationId)
    .forKeyShare()
    .executeTakeFirst();
  return row !== undefined;
}

export function updateSpecificationRow(
  db: Kysely<Database>,
  specificationId: string,
  patch: {
    title?: string;
    description_enc?: string | null;
    status?: SpecificationStatus;
    updated_by: string;
  },
): Promise<SpecificationRow> {
  return db
    .updateTable('specifications')
    .set({ ...patch, updated_at: sql`now()`, version: sql`version + 1` })
    .where('id', '=', specificationId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deletes the specification; its items and their revisions go with it (cascade). */
export async function deleteSpecificationRow(
  db: Kysely<Database>,
  specificationId: string,
): Promise<void> {
  await db.deleteFrom('specifications').where('id', '=', specificationId).execute();
}

/**
 * Locks the links of a specification's items, in id order, before the specification goes: its
 * cascade would take them in another order than a concurrent item deletion does.
 */
export async function lockLinksOfSpecification(
  db: Kysely<Database>,
  specificationId: string,
): Promise<void> {
  const items = db.selectFrom('items').select('id').where('specification_id', '=', specificationId);
  await db
    .selectFrom('item_links as l')
    .select('l.id')
    .where((eb) => eb.or([eb('l.source_id', 'in', items), eb('l.target_id', 'in', items)]))
    .orderBy('l.id')
    .forUpdate()
    .execute();
}

/** A project's specifications that a file names: by id, or by the name an import recorded. */
export function findSpecificationsByRef(
  db: Kysely<Database>,
  projectId: string,
  ids: readonly string[],
  refs: readonly string[],
): Promise<SpecificationRow[]> {
  return db
    .selectFrom('specifications')
    .selectAll()
    .where('project_id', '=', projectId)
    .where((eb) =>
      eb.or([
        eb('id', '=', sql<string>`any(${sql.val(ids)}::uuid[])`),
        eb('external_id', '=', sql<string>`any(${sql.val(refs)}::text[])`),
      ]),
    )
    .execute();
}
