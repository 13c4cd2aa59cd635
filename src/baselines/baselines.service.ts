import { recordActivity } from '../audit/audit.service.js';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import { NotFoundError } from '../domain/errors.js';
import { assertIfMatch, type IfMatch } from '../domain/preconditions.js';
import { cleanTitle, limitBytes } from '../domain/text-fields.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import { itemSnapshotQuery } from '../items/items.service.js';
import { assertRole } from '../projects/projects.service.js';
import type { ProjectRole } from '../projects/projects.table.js';
import { holdSpecification, specificationFor } from '../specifications/specifications.service.js';
import type { ItemStatus } from '../items/items.table.js';
import {
  baselineItemsByPosition,
  copySnapshot,
  deleteBaselineRow,
  findBaselineOfUser,
  insertBaselineRow,
  listBaselineRows,
  sealBaseline,
} from './baselines.repository.js';
import type { BaselineItemRow, BaselineRow, SnapshotLink } from './baselines.table.js';
import { BaselineHasher } from './content-hash.js';

/** A baseline as the API shows it; it never changes, so its version is always 1. */
export interface Baseline {
  id: string;
  projectId: string;
  specificationId: string;
  specificationTitle: string;
  name: string;
  description: string | null;
  createdAt: Date;
  createdBy: string | null;
  itemCount: number;
  contentHash: string;
  version: 1;
}

/** An item as a baseline keeps it, with its outgoing links. */
export interface BaselineItem {
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
  links: SnapshotLink[];
}

export function toBaseline(row: BaselineRow, enc: Encryptor): Baseline {
  return {
    id: row.id,
    projectId: row.project_id,
    specificationId: row.specification_id,
    specificationTitle: row.specification_title,
    name: row.name,
    description: row.description_enc === null ? null : enc.decrypt(row.description_enc),
    createdAt: row.created_at,
    createdBy: row.created_by,
    itemCount: row.item_count,
    contentHash: row.content_hash,
    version: 1,
  };
}

/** The snapshot columns of a live item or a kept one, as the API shows an item of a baseline. */
export function toBaselineItem(
  row: Omit<BaselineItemRow, 'id' | 'baseline_id' | 'position'>,
  enc: Encryptor,
): BaselineItem {
  return {
    id: row.item_id,
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
    links: row.links,
  };
}

/** The baseline when the caller is a member of its project with at least `needed`. */
export async function baselineFor(
  db: Kysely<Database>,
  actorId: string,
  baselineId: string,
  needed: ProjectRole,
  lock: 'none' | 'hold' | 'delete' = 'none',
): Promise<BaselineRow> {
  const row = await findBaselineOfUser(db, baselineId, actorId, lock);
  assertRole(row?.role, needed, 'Baseline');
  if (!row) throw new NotFoundError('Baseline');
  return row;
}

/** Items are read back this many at a time (hashing, exports). */
const BATCH = 1000;

/** A baseline's rows in document order, a batch at a time (the caller checks access). */
export async function* baselineRowBatches(
  db: Kysely<Database>,
  baselineId: string,
): AsyncGenerator<BaselineItemRow[]> {
  let afterPosition: number | null = null;
  for (;;) {
    const rows = await baselineItemsByPosition(db, baselineId, { afterPosition, limit: BATCH });
    if (rows.length > 0) yield rows;
    const last = rows.at(-1);
    if (rows.length < BATCH || !last) return;
    afterPosition = last.position;
  }
}

/** A baseline's items in document order, a batch at a time (the caller checks access). */
export async function* baselineItemBatches(
  db: Kysely<Database>,
  enc: Encryptor,
  baselineId: string,
): AsyncGenerator<BaselineItem[]> {
  for await (const rows of baselineRowBatches(db, baselineId)) {
    yield rows.map((r) => toBaselineItem(r, enc));
  }
}

/**
 * Takes a baseline of a specification (editors and owners): its items and their outgoing links
 * are copied in one statement, one consistent read, so a concurrent write is wholly in it or
 * wholly out of it; then the copy is read back in document order for its content hash.
 */
export async function createBaseline(
  trx: Kysely<Database>,
  ctx: Context,
  specificationId: string,
  input: { name: string; description?: string | undefined },
): Promise<Baseline> {
  const { enc } = ctx;
  const name = cleanTitle(input.name, 'name');
  const description =
    input.description === undefined ? null : limitBytes(input.description, 'description');
  const spec = await specificationFor(trx, ctx.actor.userId, specificationId, 'editor');
  // Held against deletion until the commit (it may have gone while this waited).
  if (!(await holdSpecification(trx, specificationId))) throw new NotFoundError('Specification');
  const baseline = await insertBaselineRow(trx, {
    id: uuidv7(),
    project_id: spec.project_id,
    specification_id: specificationId,
    name,
    description_enc: description === null ? null : enc.encrypt(description),
    specification_title: spec.title,
    created_by: ctx.actor.userId,
  });
  const count = await copySnapshot(
    trx,
    baseline.id,
    itemSnapshotQuery(trx, specificationId).as('s'),
  );
  const hasher = new BaselineHasher();
  for await (const batch of baselineItemBatches(trx, enc, baseline.id)) {
    for (const item of batch) hasher.add(item);
  }
  const sealed = await sealBaseline(trx, baseline.id, count, hasher.digest());
  await recordActivity(trx, ctx, spec.project_id, {
    type: 'baseline.created',
    targetType: 'baseline',
    targetId: baseline.id,
    details: { name, specificationId, items: count, contentHash: sealed.content_hash },
  });
  return toBaseline(sealed, enc);
}

/** A page of a specification's baselines, newest first. */
export async function listBaselines(
  db: Kysely<Database>,
  { actor, enc }: Context,
  specificationId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ data: Baseline[]; nextCursor: string | null }> {
  const beforeId = decodeCursor(query.cursor, 'uuid');
  await specificationFor(db, actor.userId, specificationId, 'viewer');
  const rows = await listBaselineRows(db, specificationId, { beforeId, limit: query.limit + 1 });
  return pageOf(
    rows,
    query.limit,
    (r) => toBaseline(r, enc),
    (r) => r.id,
  );
}

export async function getBaseline(
  db: Kysely<Database>,
  { actor, enc }: Context,
  baselineId: string,
): Promise<Baseline> {
  return toBaseline(await baselineFor(db, actor.userId, baselineId, 'viewer'), enc);
}

/** A page of a baseline's items as they were, in document order. */
export async function listBaselineItems(
  db: Kysely<Database>,
  { actor, enc }: Context,
  baselineId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ data: BaselineItem[]; nextCursor: string | null }> {
  const afterPosition = decodeCursor(query.cursor, 'number');
  await baselineFor(db, actor.userId, baselineId, 'viewer');
  const rows = await baselineItemsByPosition(db, baselineId, {
    afterPosition,
    limit: query.limit + 1,
  });
  return pageOf(
    rows,
    query.limit,
    (r) => toBaselineItem(r, enc),
    (r) => r.position,
  );
}

/** Deletes a baseline (owners only; honours If-Match, whose only version is 1). */
export async function deleteBaseline(
  trx: Kysely<Database>,
  ctx: Context,
  baselineId: string,
  ifMatch: IfMatch,
): Promise<void> {
  const baseline = await baselineFor(trx, ctx.actor.userId, baselineId, 'owner', 'delete');
  assertIfMatch(ifMatch, 1);
  await deleteBaselineRow(trx, baselineId);
  await recordActivity(trx, ctx, baseline.project_id, {
    type: 'baseline.deleted',
    targetType: 'baseline',
    targetId: baselineId,
    details: { name: baseline.name, specificationId: baseline.specification_id },
  });
}
