import { recordActivity } from '../audit/audit.service.js';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import {
  LinkCycleError,
  LinkExistsError,
  NotFoundError,
  ValidationError,
} from '../domain/errors.js';
import { assertIfMatch, type IfMatch } from '../domain/preconditions.js';
import type { Context } from '../domain/unit-of-work.js';
import { isUniqueViolation } from '../platform/database-errors.js';
import type { Database } from '../platform/schema.js';
import { lockLinkType, linkTypesOf } from '../projects/link-types.service.js';
import { assertRole, requireRole } from '../projects/projects.service.js';
import {
  holdLinkProject,
  itemRefOf,
  lockItemForWrite,
  lockLinkEnds,
  recordLinkChange,
  type ItemRef,
} from '../items/items.service.js';
import {
  clearLinkRow,
  deleteLinkRow,
  findLinkOfUser,
  insertLinkRow,
  listLinksOfItem,
  linksTouching,
  listSuspectLinkRows,
  lockLinkRow,
  reaches,
  type Direction,
  type LinkWithRefs,
} from './links.repository.js';
import type { ItemLinkRow } from './links.table.js';

/** A link as the API shows it: `source --type--> target`. */
export interface Link {
  id: string;
  projectId: string;
  type: string;
  source: ItemRef;
  target: ItemRef;
  suspect: boolean;
  suspectSince: Date | null;
  createdAt: Date;
  createdBy: string | null;
  version: number;
}

export interface LinkPage {
  data: Link[];
  nextCursor: string | null;
}

function toLink(row: LinkWithRefs): Link {
  return {
    id: row.id,
    projectId: row.project_id,
    type: row.type,
    source: {
      id: row.source_id,
      key: row.source_key,
      title: row.source_title,
      specificationId: row.source_specification_id,
    },
    target: {
      id: row.target_id,
      key: row.target_key,
      title: row.target_title,
      specificationId: row.target_specification_id,
    },
    suspect: row.suspect,
    suspectSince: row.suspect_since,
    createdAt: row.created_at,
    createdBy: row.created_by,
    version: row.version,
  };
}

/** How a revision of the source item names a link. */
function inHistory(row: ItemLinkRow, targetKey: string) {
  return {
    id: row.id,
    type: row.type,
    target: targetKey,
    targetId: row.target_id,
    suspect: row.suspect,
  };
}

const badTarget = () =>
  new ValidationError('targetId is not an item of this project', [
    { path: 'targetId', message: 'is not an item of this project' },
  ]);

const badType = (path: string) =>
  new ValidationError(`${path} is not a link type of this project`, [
    { path, message: 'is not a link type of this project' },
  ]);

/**
 * Links an item to another of its project (editors and owners). Locks, in every writer's order:
 * the project against deletion, the link type (writers of a hierarchical one take turns: the
 * cycle check must see every committed link of it), the source's specification, then both items.
 * The unique constraint decides between two creates of the same link.
 */
export async function createLink(
  trx: Kysely<Database>,
  ctx: Context,
  sourceId: string,
  input: { targetId: string; type: string },
): Promise<Link> {
  const projectId = await holdLinkProject(trx, ctx, sourceId);
  if (input.targetId.toLowerCase() === sourceId.toLowerCase()) {
    throw new ValidationError('An item cannot link to itself', [
      { path: 'targetId', message: 'is the source item' },
    ]);
  }
  const type = await lockLinkType(trx, projectId, input.type);
  if (!type) throw badType('type');
  const { source, target } = await lockLinkEnds(trx, ctx, projectId, sourceId, input.targetId);
  if (!target) throw badTarget();
  if (type.hierarchical && (await reaches(trx, target.id, source.id, type.key))) {
    throw new LinkCycleError(
      `${target.key} is already above ${source.key} through "${type.key}" links: this link would close a cycle`,
    );
  }
  let row: ItemLinkRow;
  try {
    row = await insertLinkRow(trx, {
      id: uuidv7(),
      project_id: source.project_id,
      type: type.key,
      source_id: source.id,
      target_id: target.id,
      created_by: ctx.actor.userId,
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new LinkExistsError();
    throw err;
  }
  await recordLinkChange(trx, ctx, source.id, 'linked', {
    link: { before: null, after: inHistory(row, target.key) },
  });
  await linkActivity(trx, ctx, 'link.created', row, source.key, target.key);
  return toLink({
    ...row,
    source_key: source.key,
    source_title: source.title,
    source_specification_id: source.specification_id,
    target_key: target.key,
    target_title: target.title,
    target_specification_id: target.specification_id,
  });
}

/** Records a link's change in its project's activity. */
function linkActivity(
  trx: Kysely<Database>,
  ctx: Context,
  type: 'link.created' | 'link.deleted' | 'link.cleared',
  row: ItemLinkRow,
  sourceKey: string,
  targetKey: string,
): Promise<void> {
  return recordActivity(trx, ctx, row.project_id, {
    type,
    targetType: 'link',
    targetId: row.id,
    details: {
      type: row.type,
      sourceId: row.source_id,
      targetId: row.target_id,
      sourceKey,
      targetKey,
    },
  });
}

/** A link the caller may see; `needed` editor for a change. */
async function linkFor(
  db: Kysely<Database>,
  ctx: Context,
  linkId: string,
  needed: 'viewer' | 'editor',
): Promise<LinkWithRefs> {
  const found = await findLinkOfUser(db, linkId, ctx.actor.userId);
  assertRole(found?.role, needed, 'Link');
  if (!found) throw new NotFoundError('Link');
  return found;
}

export async function getLink(db: Kysely<Database>, ctx: Context, linkId: string): Promise<Link> {
  return toLink(await linkFor(db, ctx, linkId, 'viewer'));
}

/**
 * Locks a link for a change in every writer's order: the project, its source item (which gets
 * the revision), then the link.
 * Honours If-Match against the link's version.
 */
async function lockLink(
  trx: Kysely<Database>,
  ctx: Context,
  linkId: string,
  ifMatch: IfMatch,
): Promise<{ seen: LinkWithRefs; row: ItemLinkRow }> {
  const seen = await linkFor(trx, ctx, linkId, 'editor');
  await holdLinkProject(trx, ctx, seen.source_id);
  await lockItemForWrite(trx, ctx, seen.source_id);
  const row = await lockLinkRow(trx, linkId);
  if (!row) throw new NotFoundError('Link');
  assertIfMatch(ifMatch, row.version);
  return { seen, row };
}

/** Deletes a link (editors and owners); the source item's history records it. */
export async function deleteLink(
  trx: Kysely<Database>,
  ctx: Context,
  linkId: string,
  ifMatch: IfMatch,
): Promise<void> {
  const { seen, row } = await lockLink(trx, ctx, linkId, ifMatch);
  await deleteLinkRow(trx, linkId);
  await recordLinkChange(trx, ctx, row.source_id, 'unlinked', {
    link: { before: inHistory(row, seen.target_key), after: null },
  });
  await linkActivity(trx, ctx, 'link.deleted', row, seen.source_key, seen.target_key);
}

/** Clears a link's suspect mark (editors and owners), recorded in the source item's history. */
export async function clearLink(
  trx: Kysely<Database>,
  ctx: Context,
  linkId: string,
  ifMatch: IfMatch,
): Promise<Link> {
  const { seen, row } = await lockLink(trx, ctx, linkId, ifMatch);
  if (!row.suspect) return toLink({ ...seen, ...row });
  const cleared = await clearLinkRow(trx, linkId);
  await recordLinkChange(trx, ctx, row.source_id, 'link_cleared', {
    link: {
      before: { ...inHistory(row, seen.target_key), suspectSince: row.suspect_since },
      after: inHistory(cleared, seen.target_key),
    },
  });
  await linkActivity(trx, ctx, 'link.cleared', row, seen.source_key, seen.target_key);
  return toLink({ ...seen, ...cleared });
}

/**
 * A page of an item's links (members), optionally of one direction and type, with the project
 * it belongs to (null on an empty page).
 */
export async function listItemLinks(
  db: Kysely<Database>,
  ctx: Context,
  itemId: string,
  query: { limit: number; cursor?: string | undefined; direction: Direction; type?: string },
): Promise<{ page: LinkPage; projectId: string | null }> {
  const afterId = decodeCursor(query.cursor, 'uuid');
  const rows = await listLinksOfItem(db, itemId, ctx.actor.userId, {
    direction: query.direction,
    type: query.type,
    afterId,
    limit: query.limit + 1,
  });
  // An empty page may be an item without links, one the caller may not see, or an unknown type.
  if (rows.length === 0) {
    const item = await itemRefOf(db, ctx, itemId);
    if (query.type !== undefined && !(await linkTypesOf(db, item.projectId)).has(query.type)) {
      throw badType('query.type');
    }
  }
  const page = pageOf(rows, query.limit, toLink, (r) => r.id);
  return { page, projectId: rows[0]?.project_id ?? null };
}

/**
 * A page of a project's suspect links (members), oldest link first; optionally only those whose
 * source is in one specification, or of one type.
 */
export async function listSuspectLinks(
  db: Kysely<Database>,
  ctx: Context,
  projectId: string,
  query: {
    limit: number;
    cursor?: string | undefined;
    specificationId?: string | undefined;
    type?: string | undefined;
  },
): Promise<LinkPage> {
  await requireRole(db, projectId, ctx.actor.userId, 'viewer');
  const afterId = decodeCursor(query.cursor, 'uuid');
  const rows = await listSuspectLinkRows(db, projectId, {
    ...query,
    afterId,
    limit: query.limit + 1,
  });
  if (
    rows.length === 0 &&
    query.type !== undefined &&
    !(await linkTypesOf(db, projectId)).has(query.type)
  ) {
    throw badType('query.type');
  }
  return pageOf(rows, query.limit, toLink, (r) => r.id);
}

/**
 * The links with an end among these items, for a reader that has checked the caller may see them
 * (an export of their specification).
 */
export async function linksOfItems(
  db: Kysely<Database>,
  itemIds: readonly string[],
): Promise<Link[]> {
  return (await linksTouching(db, itemIds)).map(toLink);
}
