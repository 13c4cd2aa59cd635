import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { ProjectRole } from '../projects/projects.table.js';
import type { ItemLinkRow } from './links.table.js';

/** A link with both ends' key, title and specification. */
export type LinkWithRefs = ItemLinkRow & {
  source_key: string;
  source_title: string;
  source_specification_id: string;
  target_key: string;
  target_title: string;
  target_specification_id: string;
};

export type Direction = 'outgoing' | 'incoming' | 'both';

/** Both ends' key, title and specification, from items joined as `s` (source) and `t` (target). */
const END_COLUMNS = [
  's.key as source_key',
  's.title as source_title',
  's.specification_id as source_specification_id',
  't.key as target_key',
  't.title as target_title',
  't.specification_id as target_specification_id',
] as const;

function withRefs(db: Kysely<Database>) {
  return db
    .selectFrom('item_links as l')
    .innerJoin('items as s', 's.id', 'l.source_id')
    .innerJoin('items as t', 't.id', 'l.target_id')
    .selectAll('l')
    .select(END_COLUMNS);
}

export function insertLinkRow(
  db: Kysely<Database>,
  row: {
    id: string;
    project_id: string;
    type: string;
    source_id: string;
    target_id: string;
    created_by: string;
  },
): Promise<ItemLinkRow> {
  return db.insertInto('item_links').values(row).returningAll().executeTakeFirstOrThrow();
}

/** A link with its ends, and the caller's role in its project (undefined: not a member). */
export function findLinkOfUser(
  db: Kysely<Database>,
  linkId: string,
  userId: string,
): Promise<(LinkWithRefs & { role: ProjectRole }) | undefined> {
  return withRefs(db)
    .innerJoin('project_members as m', (j) =>
      j.onRef('m.project_id', '=', 'l.project_id').on('m.user_id', '=', userId),
    )
    .select('m.role')
    .where('l.id', '=', linkId)
    .executeTakeFirst();
}

/** The link's row, locked for a change. */
export function lockLinkRow(
  db: Kysely<Database>,
  linkId: string,
): Promise<ItemLinkRow | undefined> {
  return db
    .selectFrom('item_links')
    .selectAll()
    .where('id', '=', linkId)
    .forUpdate()
    .executeTakeFirst();
}

export async function deleteLinkRow(db: Kysely<Database>, linkId: string): Promise<void> {
  await db.deleteFrom('item_links').where('id', '=', linkId).execute();
}

export function clearLinkRow(db: Kysely<Database>, linkId: string): Promise<ItemLinkRow> {
  return db
    .updateTable('item_links')
    .set({ suspect: false, suspect_since: null, version: sql`version + 1` })
    .where('id', '=', linkId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Whether `from` reaches `to` by following links of `type` from source to target. Run while the
 * type's writers take turns (lockLinkType), the graph it walks is acyclic and nobody adds to it
 * meanwhile.
 */
export async function reaches(
  db: Kysely<Database>,
  from: string,
  to: string,
  type: string,
): Promise<boolean> {
  const result = await sql<{ one: number }>`
    with recursive up (id) as (
      select target_id from item_links where source_id = ${from} and type = ${type}
      union
      select l.target_id from item_links l join up on l.source_id = up.id where l.type = ${type}
    )
    select 1 as one from up where id = ${to} limit 1
  `.execute(db);
  return result.rows.length > 0;
}

/**
 * A page of an item's links, by id (creation order), only when the caller is a member of its
 * project (the access check is folded in). Each direction is its own short index scan in id
 * order; the page is cut before the ends are joined.
 */
export function listLinksOfItem(
  db: Kysely<Database>,
  itemId: string,
  userId: string,
  options: {
    direction: Direction;
    type?: string | undefined;
    afterId: string | null;
    limit: number;
  },
): Promise<LinkWithRefs[]> {
  const end = (column: 'source_id' | 'target_id') => {
    let query = db
      .selectFrom('item_links')
      .selectAll()
      .where(column, '=', itemId)
      .orderBy('id')
      .limit(options.limit);
    if (options.type !== undefined) query = query.where('type', '=', options.type);
    if (options.afterId !== null) query = query.where('id', '>', options.afterId);
    return query;
  };
  const outgoing = db.selectFrom(end('source_id').as('o')).selectAll();
  const incoming = db.selectFrom(end('target_id').as('i')).selectAll();
  const page =
    options.direction === 'outgoing'
      ? outgoing
      : options.direction === 'incoming'
        ? incoming
        : outgoing.unionAll(incoming);
  return db
    .selectFrom(page.as('l'))
    .innerJoin('items as s', 's.id', 'l.source_id')
    .innerJoin('items as t', 't.id', 'l.target_id')
    .selectAll('l')
    .select(END_COLUMNS)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('project_members as m')
          .select(sql`1`.as('one'))
          .whereRef('m.project_id', '=', 'l.project_id')
          .where('m.user_id', '=', userId),
      ),
    )
    .orderBy('l.id')
    .limit(options.limit)
    .execute();
}

/**
 * A page of a project's suspect links, by id; optionally only those whose source is in one
 * specification (the side to review), or of one type.
 */
export function listSuspectLinkRows(
  db: Kysely<Database>,
  projectId: string,
  options: {
    afterId: string | null;
    limit: number;
    specificationId?: string | undefined;
    type?: string | undefined;
  },
): Promise<LinkWithRefs[]> {
  let query = withRefs(db)
    .where('l.project_id', '=', projectId)
    .where('l.suspect', '=', true)
    .orderBy('l.id')
    .limit(options.limit);
  if (options.afterId !== null) query = query.where('l.id', '>', options.afterId);
  if (options.specificationId !== undefined) {
    query = query.where('s.specification_id', '=', options.specificationId);
  }
  if (options.type !== undefined) query = query.where('l.type', '=', options.type);
  return query.execute();
}

/** Every link with at least one end among `itemIds`, with both ends (the trace matrix's rows). */
export function linksTouching(
  db: Kysely<Database>,
  itemIds: readonly string[],
): Promise<LinkWithRefs[]> {
  if (itemIds.length === 0) return Promise.resolve([]);
  const ids = sql<string[]>`${[...itemIds]}::uuid[]`;
  return withRefs(db)
    .where((eb) =>
      eb.or([eb('l.source_id', '=', eb.fn.any(ids)), eb('l.target_id', '=', eb.fn.any(ids))]),
    )
    .orderBy('l.id')
    .execute();
}

/**
 * The items with a link to any of `targetIds` (one step of impact), each once, with the type of
 * its first such link by type key.
 */
export function sourcesOf(
  db: Kysely<Database>,
  targetIds: readonly string[],
): Promise<{ source_id: string; type: string }[]> {
  return db
    .selectFrom('item_links')
    .distinctOn('source_id')
    .select(['source_id', 'type'])
    .where((eb) => eb('target_id', '=', eb.fn.any(sql<string[]>`${[...targetIds]}::uuid[]`)))
    .orderBy('source_id')
    .orderBy('type')
    .execute();
}

/** The key, title and specification of items by id. */
export function itemRefRows(
  db: Kysely<Database>,
  itemIds: readonly string[],
): Promise<{ id: string; key: string; title: string; specification_id: string }[]> {
  if (itemIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('items')
    .select(['id', 'key', 'title', 'specification_id'])
    .where((eb) => eb('id', '=', eb.fn.any(sql<string[]>`${[...itemIds]}::uuid[]`)))
    .execute();
}

/** Whether an item has a link of `type` in `direction` ('both' is not asked here). */
function hasLink(type: string, direction: 'incoming' | 'outgoing') {
  const end = direction === 'incoming' ? 'l.target_id' : 'l.source_id';
  return sql<boolean>`exists (select 1 from item_links l where ${sql.ref(end)} = i.id and l.type = ${type})`;
}

/** How many items a specification has, and how many of them have a link of `type` in `direction`. */
export async function coverageCounts(
  db: Kysely<Database>,
  specificationId: string,
  type: string,
  direction: 'incoming' | 'outgoing',
): Promise<{ total: number; covered: number }> {
  const row = await db
    .selectFrom('items as i')
    .select([
      (eb) => eb.fn.countAll<string>().as('total'),
      sql<string>`count(*) filter (where ${hasLink(type, direction)})`.as('covered'),
    ])
    .where('i.specification_id', '=', specificationId)
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), covered: Number(row.covered) };
}

/** The first `limit` items of a specification, in document order, without such a link. */
export function uncoveredItems(
  db: Kysely<Database>,
  specificationId: string,
  type: string,
  direction: 'incoming' | 'outgoing',
  limit: number,
): Promise<{ id: string; key: string; title: string; specification_id: string }[]> {
  return db
    .selectFrom('items as i')
    .select(['i.id', 'i.key', 'i.title', 'i.specification_id'])
    .where('i.specification_id', '=', specificationId)
    .where(sql<boolean>`not ${hasLink(type, direction)}`)
    .orderBy('i.order_key')
    .limit(limit)
    .execute();
}
