import { recordActivity } from '../audit/audit.service.js';
import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { assertIfMatch, type IfMatch } from '../domain/preconditions.js';
import { cleanTitle, limitBytes } from '../domain/text-fields.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import {
  allocateItemNumber,
  assertRole,
  lockProjectOrder,
  projectTraceChanged,
} from '../projects/projects.service.js';
import {
  holdSpecification,
  specificationChanged,
  specificationFor,
} from '../specifications/specifications.service.js';
import { endOrderKey, orderKeyAfter } from './item-order.js';
import { diff, recordRevision, type Changes } from './item-revisions.js';
import {
  deleteItemRow,
  findItemByKeyOfUser,
  holdItemRow,
  holdProjectOfItem,
  holdItemSpecification,
  findItemOfUser,
  insertItemRow,
  itemIdsInOrder,
  itemSnapshotRows,
  keptAttributeValues,
  lastContentChangeVersion,
  linksOfItemByKey,
  listItemRowsOfUser,
  markIncomingLinksSuspect,
  neighbour,
  updateItemRow,
  type ItemWithRole,
} from './items.repository.js';
import type { ItemRow, ItemStatus } from './items.table.js';

/** An item as the API shows it (body decrypted). */
export interface Item {
  id: string;
  key: string;
  specificationId: string;
  title: string;
  body: string;
  status: ItemStatus;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string | null;
  updatedBy: string | null;
  version: number;
}

/** How a link or a report names an item. */
export interface ItemRef {
  id: string;
  key: string;
  title: string;
  specificationId: string;
}

export interface ItemInput {
  title?: string | undefined;
  body?: string | undefined;
  status?: ItemStatus | undefined;
}

/** Maps a row to the API's item, decrypting its body. */
export function toItem(row: ItemRow, enc: Encryptor): Item {
  return {
    id: row.id,
    key: row.key,
    specificationId: row.specification_id,
    title: row.title,
    body: enc.decrypt(row.body_enc),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    version: row.version,
  };
}

/** The fields a revision records, in plaintext. */
function tracked(item: { title: string; body: string; status: ItemStatus }) {
  return { title: item.title, body: item.body, status: item.status };
}

async function itemFor(
  db: Kysely<Database>,
  actorId: string,
  itemId: string,
  needed: 'viewer' | 'editor',
  lock = false,
): Promise<ItemWithRole> {
  const row = await findItemOfUser(db, itemId, actorId, lock);
  assertRole(row?.role, needed, 'Item');
  if (!row) throw new NotFoundError('Item');
  return row;
}

/**
 * The item, locked for a write. Every writer takes its locks in one order, the order in which
 * deleting a project or a specification takes them: the project's order lock (only writes that
 * change document order), then the specification (held against deletion), then the item. Two
 * writers that follow one order cannot deadlock.
 */
async function lockForWrite(
  trx: Kysely<Database>,
  actorId: string,
  itemId: string,
  changesOrder: boolean,
): Promise<ItemWithRole> {
  if (changesOrder) {
    const found = await itemFor(trx, actorId, itemId, 'editor');
    await lockProjectOrder(trx, found.project_id);
  }
  if ((await holdItemSpecification(trx, itemId)) === undefined) {
    throw new NotFoundError('Item');
  }
  return itemFor(trx, actorId, itemId, 'editor', true);
}

/** The item `after` names, which must be in the same specification (else 400). */
async function anchor(
  db: Kysely<Database>,
  actorId: string,
  specificationId: string,
  afterId: string,
): Promise<ItemRow> {
  const row = await findItemOfUser(db, afterId, actorId);
  if (!row || row.specification_id !== specificationId) {
    throw new ValidationError('after is not an item of this specification', [
      { path: 'after', message: 'is not an item of this specification' },
    ]);
  }
  return row;
}

/** Records an item's change in its project's activity: which item, never its body. */
function itemActivity(
  trx: Kysely<Database>,
  ctx: Context,
  type: 'item.created' | 'item.updated' | 'item.moved' | 'item.deleted',
  row: ItemRow,
  details: Record<string, unknown> = {},
): Promise<void> {
  return recordActivity(trx, ctx, row.project_id, {
    type,
    targetType: 'item',
    targetId: row.id,
    details: {
      key: row.key,
      title: row.title,
      specificationId: row.specification_id,
      version: row.version,
      ...details,
    },
  });
}

/** Creates an item with the project's next key, at the end or right after `after`. */
export async function createItem(
  trx: Kysely<Database>,
  ctx: Context,
  specificationId: string,
  input: ItemInput & { title: string; after?: string | null | undefined },
): Promise<Item> {
  const { enc } = ctx;
  const actorId = ctx.actor.userId;
  const title = cleanTitle(input.title, 'title');
  const body = limitBytes(input.body ?? '', 'body');
  const status = input.status ?? 'draft';
  const spec = await specificationFor(trx, actorId, specificationId, 'editor');
  // The project's order lock first, then the specification, held against deletion (it may have
  // been deleted while this waited): the order every writer follows (see lockForWrite).
  const allocated = await allocateItemNumber(trx, spec.project_id);
  if (!allocated || !(await holdSpecification(trx, specificationId))) {
    throw new NotFoundError('Specification');
  }
  const after = input.after ? await anchor(trx, actorId, specificationId, input.after) : null;
  const orderKey =
    input.after === undefined
      ? await endOrderKey(trx, specificationId)
      : ((await orderKeyAfter(trx, specificationId, after, null)) as string);
  const row = await insertItemRow(trx, {
    id: uuidv7(),
    specification_id: specificationId,
    project_id: spec.project_id,
    key: `${allocated.key}-${allocated.number}`,
    order_key: orderKey,
    title,
    body_enc: enc.encrypt(body),
    status,
    created_by: actorId,
    updated_by: actorId,
  });
  await recordRevision(trx, enc, row, {
    version: row.version,
    action: 'created',
    changedBy: actorId,
    changes: diff({}, { ...tracked({ title, body, status }), after: after?.id ?? null }),
  });
  await itemActivity(trx, ctx, 'item.created', row);
  specificationChanged(ctx.effects, specificationId);
  return toItem(row, enc);
}

/** A page of a specification's items in document order. */
export interface ItemPage {
  data: Item[];
  nextCursor: string | null;
}

/** A page of a specification's items, with the project they belong to (null on an empty page). */
export async function listItems(
  db: Kysely<Database>,
  { actor, enc }: Context,
  specificationId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ page: ItemPage; projectId: string | null }> {
  const afterOrderKey = decodeCursor(query.cursor, 'string');
  const actorId = actor.userId;
  const rows = await listItemRowsOfUser(db, specificationId, actorId, {
    afterOrderKey,
    limit: query.limit + 1,
  });
  // An empty page may be an empty specification or one the caller may not see.
  if (rows.length === 0) await specificationFor(db, actorId, specificationId, 'viewer');
  const page = pageOf(
    rows,
    query.limit,
    (r) => toItem(r, enc),
    (r) => r.order_key,
  );
  return { page, projectId: rows[0]?.project_id ?? null };
}

export async function getItem(
  db: Kysely<Database>,
  { actor, enc }: Context,
  itemId: string,
): Promise<Item> {
  return toItem(await itemFor(db, actor.userId, itemId, 'viewer'), enc);
}

/** An item by its key, e.g. `AUTH-12` (case-insensitive). */
export async function getItemByKey(
  db: Kysely<Database>,
  { actor, enc }: Context,
  projectId: string,
  key: string,
): Promise<Item> {
  const row = await findItemByKeyOfUser(db, projectId, key.toUpperCase(), actor.userId);
  if (!row) throw new NotFoundError('Item');
  return toItem(row, enc);
}

/** Changes title, body or status, honouring If-Match; every change lands in the history. */
export async function updateItem(
  trx: Kysely<Database>,
  ctx: Context,
  itemId: string,
  patch: ItemInput,
  ifMatch: IfMatch,
): Promise<Item> {
  const { enc } = ctx;
  const actorId = ctx.actor.userId;
  const title = patch.title === undefined ? undefined : cleanTitle(patch.title, 'title');
  const body = patch.body === undefined ? undefined : limitBytes(patch.body, 'body');
  const current = await lockForWrite(trx, actorId, itemId, false);
  assertIfMatch(ifMatch, current.version);
  const before = tracked(toItem(current, enc));
  const after = {
    title: title ?? before.title,
    body: body ?? before.body,
    status: patch.status ?? before.status,
  };
  const changes = diff(before, after);
  if (Object.keys(changes).length === 0) return toItem(current, enc);
  const row = await updateItemRow(trx, itemId, {
    ...(changes.title ? { title: after.title } : {}),
    ...(changes.body ? { body_enc: enc.encrypt(after.body) } : {}),
    ...(changes.status ? { status: after.status } : {}),
    updated_by: actorId,
  });
  await recordRevision(trx, enc, row, {
    version: row.version,
    action: 'updated',
    changedBy: actorId,
    changes,
  });
  const marked = await markIncomingLinksSuspect(trx, [itemId], Object.keys(changes));
  await itemActivity(trx, ctx, 'item.updated', row, {
    fields: Object.keys(changes),
    suspectLinks: marked,
  });
  specificationChanged(ctx.effects, row.specification_id);
  // Link pages show the ends' titles and the suspect marks.
  if (changes.title || marked > 0) projectTraceChanged(ctx.effects, row.project_id);
  return toItem(row, enc);
}

/** Moves an item right after another of its specification (null: to the top); one row written. */
export async function moveItem(
  trx: Kysely<Database>,
  ctx: Context,
  itemId: string,
  afterId: string | null,
  ifMatch: IfMatch,
): Promise<Item> {
  const { enc } = ctx;
  const actorId = ctx.actor.userId;
  if (afterId === itemId) {
    throw new ValidationError('An item cannot be moved after itself', [
      { path: 'after', message: 'is the item being moved' },
    ]);
  }
  const current = await lockForWrite(trx, actorId, itemId, true);
  assertIfMatch(ifMatch, current.version);
  const after =
    afterId === null ? null : await anchor(trx, actorId, current.specification_id, afterId);
  const orderKey = await orderKeyAfter(trx, current.specification_id, after, current.id);
  if (orderKey === null) return toItem(current, enc);
  const previous = await neighbour(trx, current.specification_id, current.order_key, 'previous');
  const row = await updateItemRow(trx, itemId, { order_key: orderKey, updated_by: actorId });
  await recordRevision(trx, enc, row, {
    version: row.version,
    action: 'moved',
    changedBy: actorId,
    changes: { after: { before: previous?.id ?? null, after: after?.id ?? null } },
  });
  await itemActivity(trx, ctx, 'item.moved', row, { after: after?.id ?? null });
  specificationChanged(ctx.effects, row.specification_id);
  return toItem(row, enc);
}

/** Deletes an item, honouring If-Match; the item's key is never handed out again. */
export async function deleteItem(
  trx: Kysely<Database>,
  ctx: Context,
  itemId: string,
  ifMatch: IfMatch,
): Promise<void> {
  const { enc } = ctx;
  const actorId = ctx.actor.userId;
  const current = await lockForWrite(trx, actorId, itemId, false);
  assertIfMatch(ifMatch, current.version);
  // Its links go with it (a cascade); the history of its deletion says which they were.
  const links = await linksOfItemByKey(trx, itemId);
  await deleteItemRow(trx, itemId);
  await recordRevision(trx, enc, current, {
    version: current.version + 1,
    action: 'deleted',
    changedBy: actorId,
    changes: {
      ...diff(tracked(toItem(current, enc)), {}),
      ...(links.length > 0 ? { links: { before: links, after: null } } : {}),
    },
  });
  await itemActivity(trx, ctx, 'item.deleted', { ...current, version: current.version + 1 });
  specificationChanged(ctx.effects, current.specification_id);
  projectTraceChanged(ctx.effects, current.project_id);
}

/**
 * Marks suspect the links into these items whose type watches one of `fields` (for a writer of
 * many items at once, which holds them locked); answers how many.
 */
export function markLinksSuspect(
  trx: Kysely<Database>,
  itemIds: readonly string[],
  fields: readonly string[],
): Promise<number> {
  return markIncomingLinksSuspect(trx, itemIds, fields);
}

/** Checks that the caller is an editor or owner of the item's project (else 404 or 403). */
export async function assertItemEditor(
  db: Kysely<Database>,
  { actor }: Context,
  itemId: string,
): Promise<void> {
  await itemFor(db, actor.userId, itemId, 'editor');
}

/** An item locked for a change of its links (editors and owners), in every writer's lock order. */
export function lockItemForWrite(
  trx: Kysely<Database>,
  ctx: Context,
  itemId: string,
): Promise<ItemWithRole> {
  return lockForWrite(trx, ctx.actor.userId, itemId, false);
}

/**
 * The first lock of a link writer: the project of the source item, held against deletion, once
 * the caller is found to be an editor or owner of it (else 404 or 403). Answers the project.
 */
export async function holdLinkProject(
  trx: Kysely<Database>,
  ctx: Context,
  sourceId: string,
): Promise<string> {
  const found = await holdProjectOfItem(trx, sourceId, ctx.actor.userId);
  assertRole(found?.role ?? undefined, 'editor', 'Item');
  return (found as { project_id: string }).project_id;
}

/**
 * Locks both ends of a new link: the source for a change (editors and owners; it gets the
 * revision), the target against deletion. The source's specification is held first, then the two
 * items in id order, so that two links created between the same items in opposite directions
 * cannot deadlock. The target is undefined when there is no such item in the project.
 */
export async function lockLinkEnds(
  trx: Kysely<Database>,
  ctx: Context,
  projectId: string,
  sourceId: string,
  targetId: string,
): Promise<{ source: ItemWithRole; target: ItemRow | undefined }> {
  const actorId = ctx.actor.userId;
  if ((await holdItemSpecification(trx, sourceId)) === undefined) {
    throw new NotFoundError('Item');
  }
  if (targetId.toLowerCase() < sourceId.toLowerCase()) {
    const target = await holdItemRow(trx, projectId, targetId);
    return { target, source: await itemFor(trx, actorId, sourceId, 'editor', true) };
  }
  const source = await itemFor(trx, actorId, sourceId, 'editor', true);
  return { source, target: await holdItemRow(trx, projectId, targetId) };
}

/**
 * Records a change of an item's links in its history: the item (locked by the caller) moves to
 * its next version and a revision says who changed which link.
 */
export async function recordLinkChange(
  trx: Kysely<Database>,
  ctx: Context,
  itemId: string,
  action: 'linked' | 'unlinked' | 'link_cleared',
  changes: Changes,
): Promise<void> {
  const row = await updateItemRow(trx, itemId, { updated_by: ctx.actor.userId });
  await recordRevision(trx, ctx.enc, row, {
    version: row.version,
    action,
    changedBy: ctx.actor.userId,
    changes,
  });
  specificationChanged(ctx.effects, row.specification_id);
  projectTraceChanged(ctx.effects, row.project_id);
}

/** An item's reference and project, when the caller may see it. */
export async function itemRefOf(
  db: Kysely<Database>,
  { actor }: Context,
  itemId: string,
): Promise<ItemRef & { projectId: string }> {
  const row = await itemFor(db, actor.userId, itemId, 'viewer');
  return {
    id: row.id,
    key: row.key,
    title: row.title,
    specificationId: row.specification_id,
    projectId: row.project_id,
  };
}

/** An item with the attributes an import kept (null: none), as exports write it. */
export type ItemWithAttributes = Item & { attributes: Record<string, string> | null };

function withAttributes(row: ItemRow, enc: Encryptor): ItemWithAttributes {
  const attributes =
    row.attributes_enc === null
      ? null
      : (JSON.parse(enc.decrypt(row.attributes_enc)) as Record<string, string>);
  return { ...toItem(row, enc), attributes };
}

/** The names of the attributes a specification's items keep, sorted (the caller checks access). */
export async function attributeNamesOf(
  db: Kysely<Database>,
  enc: Encryptor,
  specificationId: string,
): Promise<string[]> {
  const names = new Set<string>();
  for (const value of await keptAttributeValues(db, specificationId)) {
    for (const name of Object.keys(JSON.parse(enc.decrypt(value)) as object)) names.add(name);
  }
  return [...names].sort();
}

/** Items are read this many at a time by whole-specification readers (exports). */
const BATCH = 500;

/**
 * Every item of a specification in document order, a batch at a time, so memory stays flat
 * however long it is. Each batch is the API's own page query, so a caller removed from the
 * project midway gets no more. Check access before the first batch.
 */
export async function* itemBatches(
  db: Kysely<Database>,
  { actor, enc }: Context,
  specificationId: string,
): AsyncGenerator<ItemWithAttributes[]> {
  let afterOrderKey: string | null = null;
  for (;;) {
    const rows = await listItemRowsOfUser(db, specificationId, actor.userId, {
      afterOrderKey,
      limit: BATCH,
    });
    if (rows.length > 0) yield rows.map((row) => withAttributes(row, enc));
    const last = rows.at(-1);
    if (rows.length < BATCH || !last) return;
    afterOrderKey = last.order_key;
  }
}

/**
 * A specification's items as a baseline keeps them, each with its outgoing links and its
 * `position` (1, 2, 3 … in document order): a query to run as one statement, so that it is one
 * consistent read. The caller checks access.
 */
export function itemSnapshotQuery(db: Kysely<Database>, specificationId: string) {
  return itemSnapshotRows(db, specificationId).select(
    sql<number>`(row_number() over (order by i.order_key))::int`.as('position'),
  );
}

/** A specification's live items as snapshot rows, in document order, a batch at a time. */
export async function* itemSnapshotsInOrder(
  db: Kysely<Database>,
  specificationId: string,
  batchSize: number,
) {
  let after: string | null = null;
  for (;;) {
    let query = itemSnapshotRows(db, specificationId)
      .select('i.order_key')
      .orderBy('i.order_key')
      .limit(batchSize);
    if (after !== null) query = query.where('i.order_key', '>', after);
    const rows = await query.execute();
    if (rows.length > 0) yield rows;
    const last = rows.at(-1);
    if (rows.length < batchSize || !last) return;
    after = last.order_key;
  }
}

/** These items of a specification as snapshot rows (those that exist), in no particular order. */
export function itemSnapshotsOf(
  db: Kysely<Database>,
  specificationId: string,
  itemIds: readonly string[],
) {
  if (itemIds.length === 0) return Promise.resolve([]);
  return itemSnapshotRows(db, specificationId)
    .where('i.id', '=', sql<string>`any(${sql.val(itemIds)}::uuid[])`)
    .execute();
}

/** The ids of a specification's items in document order (the caller checks access). */
export function itemOrder(db: Kysely<Database>, specificationId: string): Promise<string[]> {
  return itemIdsInOrder(db, specificationId);
}

/**
 * The version at which an item's title, body or status last changed (0: never since it was
 * created); moves and link changes do not count. The caller checks access.
 */
export function lastContentChange(db: Kysely<Database>, itemId: string): Promise<number> {
  return lastContentChangeVersion(db, itemId);
}
