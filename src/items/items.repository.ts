import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { ProjectRole } from '../projects/projects.table.js';
import type {
  ItemRevisionRow,
  ItemRow,
  ItemStatus,
  RevisionAction,
  SnapshotLink,
} from './items.table.js';

export type ItemWithRole = ItemRow & { role: ProjectRole };

export function insertItemRow(
  db: Kysely<Database>,
  row: {
    id: string;
    specification_id: string;
    project_id: string;
    key: string;
    order_key: string;
    title: string;
    body_enc: string;
    status: ItemStatus;
    created_by: string;
    updated_by: string;
  },
): Promise<ItemRow> {
  return db.insertInto('items').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The item with the caller's role in its project, when the caller is a member. */
export function findItemOfUser(
  db: Kysely<Database>,
  itemId: string,
  userId: string,
  lock = false,
): Promise<ItemWithRole | undefined> {
  const query = db
    .selectFrom('items as i')
    .innerJoin('project_members as m', (j) =>
      j.onRef('m.project_id', '=', 'i.project_id').on('m.user_id', '=', userId),
    )
    .selectAll('i')
    .select('m.role')
    .where('i.id', '=', itemId);
  return (lock ? query.forUpdate('i') : query).executeTakeFirst();
}

/**
 * Holds the project of an item against deletion (KEY SHARE on the project) and answers the
 * project with the caller's role in it (undefined: not a member); undefined when no such item.
 */
export function holdProjectOfItem(
  db: Kysely<Database>,
  itemId: string,
  userId: string,
): Promise<{ project_id: string; role: ProjectRole | null } | undefined> {
  return db
    .selectFrom('items as i')
    .innerJoin('projects as p', 'p.id', 'i.project_id')
    .leftJoin('project_members as m', (j) =>
      j.onRef('m.project_id', '=', 'p.id').on('m.user_id', '=', userId),
    )
    .select(['i.project_id', 'm.role'])
    .where('i.id', '=', itemId)
    .forKeyShare('p')
    .executeTakeFirst();
}

/**
 * An item of a project, its row locked FOR KEY SHARE: it cannot go (or change its key) until the
 * commit. An item of another project is not touched.
 */
export function holdItemRow(
  db: Kysely<Database>,
  projectId: string,
  itemId: string,
): Promise<ItemRow | undefined> {
  return db
    .selectFrom('items')
    .selectAll()
    .where('id', '=', itemId)
    .where('project_id', '=', projectId)
    .forKeyShare()
    .executeTakeFirst();
}
/**
 * Holds the item's specification against deletion (KEY SHARE) and returns its id, or undefined
 * when the item is gone. Item writers take this before the item's own lock, in the order a
 * specification's deletion takes them (the specification, then its items).
 */
export async function holdItemSpecification(
  db: Kysely<Database>,
  itemId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('specifications as s')
    .innerJoin('items as i', 'i.specification_id', 's.id')
    .select('s.id')
    .where('i.id', '=', itemId)
    .forKeyShare('s')
    .executeTakeFirst();
  return row?.id;
}

/** An item by its key (`AUTH-12`) in a project the caller is a member of. */
export function findItemByKeyOfUser(
  db: Kysely<Database>,
  projectId: string,
  key: string,
  userId: string,
): Promise<ItemWithRole | undefined> {
  return db
    .selectFrom('items as i')
    .innerJoin('project_members as m', (j) =>
      j.onRef('m.project_id', '=', 'i.project_id').on('m.user_id', '=', userId),
    )
    .selectAll('i')
    .select('m.role')
    .where('i.project_id', '=', projectId)
    .where('i.key', '=', key)
    .executeTakeFirst();
}

/**
 * A page of a specification's items in document order, only when the caller is a member of its
 * project: one indexed query, with the access check folded in.
 */
export function listItemRowsOfUser(
  db: Kysely<Database>,
  specificationId: string,
  userId: string,
  options: { afterOrderKey: string | null; limit: number },
): Promise<ItemRow[]> {
  let query = db
    .selectFrom('items as i')
    .selectAll('i')
    .where('i.specification_id', '=', specificationId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('project_members as m')
          .select(sql`1`.as('one'))
          .whereRef('m.project_id', '=', 'i.project_id')
          .where('m.user_id', '=', userId),
      ),
    )
    .orderBy('i.order_key')
    .limit(options.limit);
  if (options.afterOrderKey !== null) {
    query = query.where('i.order_key', '>', options.afterOrderKey);
  }
  return query.execute();
}

/** The neighbour of an order key in a specification: the next one after it, or the one before. */
export async function neighbour(
  db: Kysely<Database>,
  specificationId: string,
  orderKey: string | null,
  direction: 'next' | 'previous',
): Promise<{ id: string; order_key: string } | undefined> {
  let query = db
    .selectFrom('items')
    .select(['id', 'order_key'])
    .where('specification_id', '=', specificationId)
    .orderBy('order_key', direction === 'next' ? 'asc' : 'desc')
    .limit(1);
  if (orderKey !== null) {
    query = query.where('order_key', direction === 'next' ? '>' : '<', orderKey);
  }
  return query.executeTakeFirst();
}

export function updateItemRow(
  db: Kysely<Database>,
  itemId: string,
  patch: {
    title?: string;
    body_enc?: string;
    status?: ItemStatus;
    order_key?: string;
    updated_by: string;
  },
): Promise<ItemRow> {
  return db
    .updateTable('items')
    .set({ ...patch, updated_at: sql`now()`, version: sql`version + 1` })
    .where('id', '=', itemId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteItemRow(db: Kysely<Database>, itemId: string): Promise<void> {
  await db.deleteFrom('items').where('id', '=', itemId).execute();
}

export async function insertRevision(
  db: Kysely<Database>,
  row: {
    id: string;
    item_id: string;
    specification_id: string;
    project_id: string;
    version: number;
    action: RevisionAction;
    changed_by: string;
    changes_enc: string;
  },
): Promise<void> {
  await db.insertInto('item_revisions').values(row).execute();
}

/** The project an item's history belongs to; it outlives the item itself. */
export async function revisionProject(
  db: Kysely<Database>,
  itemId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('item_revisions')
    .select('project_id')
    .where('item_id', '=', itemId)
    .limit(1)
    .executeTakeFirst();
  return row?.project_id;
}

/** An item's revisions, newest first, keyset by version. */
export function listRevisionRows(
  db: Kysely<Database>,
  itemId: string,
  options: { beforeVersion: number | null; limit: number },
): Promise<ItemRevisionRow[]> {
  let query = db
    .selectFrom('item_revisions')
    .selectAll()
    .where('item_id', '=', itemId)
    .orderBy('version', 'desc')
    .limit(options.limit);
  if (options.beforeVersion !== null) query = query.where('version', '<', options.beforeVersion);
  return query.execute();
}

/**
 * Marks suspect every link whose target is one of these items and whose type watches one of
 * `fields`, from now (the change's time): one statement, however many links there are (several
 * items' links are locked in id order first, the order a specification's deletion takes them).
 * Answers how many it marked.
 */
export async function markIncomingLinksSuspect(
  db: Kysely<Database>,
  itemIds: readonly string[],
  fields: readonly string[],
): Promise<number> {
  if (fields.length === 0 || itemIds.length === 0) return 0;
  const targets = sql<string>`any(${sql.val(itemIds)}::uuid[])`;
  if (itemIds.length > 1) {
    await db
      .selectFrom('item_links')
      .select('id')
      .where('target_id', '=', targets)
      .where('suspect', '=', false)
      .orderBy('id')
      .forUpdate()
      .execute();
  }
  const result = await db
    .updateTable('item_links as l')
    .from('link_types as t')
    .set({ suspect: true, suspect_since: sql`now()`, version: sql`l.version + 1` })
    .whereRef('t.project_id', '=', 'l.project_id')
    .whereRef('t.key', '=', 'l.type')
    .where('l.target_id', '=', targets)
    .where('l.suspect', '=', false)
    .where(sql<boolean>`t.suspect_fields && ${sql.val(fields)}::text[]`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * The links an item is at either end of, by keys, for the history of its deletion; locked in id
 * order, so that two deletions of items linked both ways take them in one order.
 */
export function linksOfItemByKey(
  db: Kysely<Database>,
  itemId: string,
): Promise<{ type: string; source: string; target: string }[]> {
  return db
    .selectFrom('item_links as l')
    .innerJoin('items as s', 's.id', 'l.source_id')
    .innerJoin('items as t', 't.id', 'l.target_id')
    .select(['l.type', 's.key as source', 't.key as target'])
    .where((eb) => eb.or([eb('l.source_id', '=', itemId), eb('l.target_id', '=', itemId)]))
    .orderBy('l.id')
    .forUpdate('l')
    .execute();
}

/**
 * A specification's items as a baseline keeps them: each row with its outgoing links as JSON,
 * `[{ type, target: { id, key, title, specificationId } }]` ordered by type, then target id (the
 * order the content hash reads them in).
 */
export function itemSnapshotRows(db: Kysely<Database>, specificationId: string) {
  return db
    .selectFrom('items as i')
    .select([
      'i.id as item_id',
      'i.key',
      'i.specification_id',
      'i.title',
      'i.body_enc',
      'i.status',
      'i.version',
      'i.created_by',
      'i.updated_by',
      'i.created_at',
      'i.updated_at',
      sql<SnapshotLink[]>`coalesce((
        select jsonb_agg(jsonb_build_object('type', l.type, 'target', jsonb_build_object(
            'id', t.id, 'key', t.key, 'title', t.title, 'specificationId', t.specification_id))
          order by l.type collate "C", l.target_id)
        from item_links l join items t on t.id = l.target_id
        where l.source_id = i.id), '[]'::jsonb)`.as('links'),
    ])
    .where('i.specification_id', '=', specificationId);
}

/** The ids of a specification's items in document order. */
export async function itemIdsInOrder(
  db: Kysely<Database>,
  specificationId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('items')
    .select('id')
    .where('specification_id', '=', specificationId)
    .orderBy('order_key')
    .execute();
  return rows.map((r) => r.id);
}

/** The version of an item's last change of title, body or status (0: none since its creation). */
export async function lastContentChangeVersion(
  db: Kysely<Database>,
  itemId: string,
): Promise<number> {
  const row = await db
    .selectFrom('item_revisions')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('item_id', '=', itemId)
    .where('action', '=', 'updated')
    .executeTakeFirst();
  return row?.version ?? 0;
}

/** The encrypted attributes of a specification's items that keep any. */
export async function keptAttributeValues(
  db: Kysely<Database>,
  specificationId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('items')
    .select('attributes_enc')
    .where('specification_id', '=', specificationId)
    .where('attributes_enc', 'is not', null)
    .execute();
  return rows.map((r) => r.attributes_enc as string);
}
