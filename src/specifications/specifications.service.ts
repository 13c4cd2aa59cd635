import { recordActivity } from '../audit/audit.service.js';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, isUuid, pageOf } from '../domain/cursor.js';
import { NotFoundError } from '../domain/errors.js';
import { assertIfMatch, type IfMatch } from '../domain/preconditions.js';
import { cleanTitle, limitBytes } from '../domain/text-fields.js';
import type { Context, Effects } from '../domain/unit-of-work.js';
import { bumpVersion } from '../platform/cache.js';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import {
  assertRole,
  lockProjectOfUser,
  projectTraceChanged,
  requireRole,
} from '../projects/projects.service.js';
import {
  deleteSpecificationRow,
  lockLinksOfSpecification,
  findSpecificationOfUser,
  insertSpecification,
  listSpecificationRows,
  holdSpecification,
  findSpecificationsByRef,
  updateSpecificationRow,
  type SpecificationLock,
  type SpecificationWithRole,
} from './specifications.repository.js';

export { holdSpecification };
import type { SpecificationRow, SpecificationStatus } from './specifications.table.js';

/** A specification as the API shows it (description decrypted). */
export interface Specification {
  id: string;
  projectId: string;
  title: string;
  description: string | null;
  status: SpecificationStatus;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string | null;
  updatedBy: string | null;
  version: number;
}

export interface SpecificationInput {
  title?: string | undefined;
  description?: string | null | undefined;
  status?: SpecificationStatus | undefined;
}

/** The cache version of everything in a specification: cached reads of it name it in their keys. */
export const specificationVersionKey = (specificationId: string) => `items:${specificationId}:v`;

/**
 * Records that something in a specification changed (its items, or the specification deleted):
 * once committed, cached reads of it miss on every instance.
 */
export function specificationChanged(effects: Effects, specificationId: string): void {
  effects.afterCommit('specification-version', ({ cache }) =>
    bumpVersion(cache, specificationVersionKey(specificationId)),
  );
}

/** Maps a row to the API's specification, decrypting its description. */
export function toSpecification(row: SpecificationRow, enc: Encryptor): Specification {
  return {
    id: row.id,
    projectId: row.project_id,
    title: row.title,
    description: row.description_enc === null ? null : enc.decrypt(row.description_enc),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    version: row.version,
  };
}

function encryptDescription(
  enc: Encryptor,
  value: string | null | undefined,
): string | null | undefined {
  return typeof value === 'string' ? enc.encrypt(limitBytes(value, 'description')) : value;
}

/** The specification when the caller is a member of its project with at least `needed`. */
export async function specificationFor(
  db: Kysely<Database>,
  actorId: string,
  specificationId: string,
  needed: 'viewer' | 'editor',
  lock: SpecificationLock = 'none',
): Promise<SpecificationWithRole> {
  const row = await findSpecificationOfUser(db, specificationId, actorId, lock);
  assertRole(row?.role, needed, 'Specification');
  if (!row) throw new NotFoundError('Specification');
  return row;
}

export async function createSpecification(
  trx: Kysely<Database>,
  ctx: Context,
  projectId: string,
  input: SpecificationInput & { title: string },
): Promise<Specification> {
  const { actor, enc } = ctx;
  const actorId = actor.userId;
  const title = cleanTitle(input.title, 'title');
  const descriptionEnc = encryptDescription(enc, input.description) ?? null;
  // The lock makes a concurrent delete of the project wait, or show here as 404.
  await lockProjectOfUser(trx, projectId, actorId, 'editor');
  const row = await insertSpecification(trx, {
    id: uuidv7(),
    project_id: projectId,
    title,
    description_enc: descriptionEnc,
    status: input.status ?? 'draft',
    created_by: actorId,
    updated_by: actorId,
  });
  await recordActivity(trx, ctx, projectId, {
    type: 'specification.created',
    targetType: 'specification',
    targetId: row.id,
    details: { title: row.title },
  });
  return toSpecification(row, enc);
}

/** A page of a project's specifications, oldest first. */
export async function listSpecifications(
  db: Kysely<Database>,
  { actor, enc }: Context,
  projectId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ data: Specification[]; nextCursor: string | null }> {
  await requireRole(db, projectId, actor.userId, 'viewer');
  const afterId = decodeCursor(query.cursor, 'uuid');
  const rows = await listSpecificationRows(db, projectId, { afterId, limit: query.limit + 1 });
  return pageOf(
    rows,
    query.limit,
    (r) => toSpecification(r, enc),
    (r) => r.id,
  );
}

export async function getSpecification(
  db: Kysely<Database>,
  { actor, enc }: Context,
  specificationId: string,
): Promise<Specification> {
  return toSpecification(await specificationFor(db, actor.userId, specificationId, 'viewer'), enc);
}

/** Changes title, description or status (editors and owners), honouring If-Match. */
export async function updateSpecification(
  trx: Kysely<Database>,
  ctx: Context,
  specificationId: string,
  patch: SpecificationInput,
  ifMatch: IfMatch,
): Promise<Specification> {
  const { actor, enc } = ctx;
  const actorId = actor.userId;
  const title = patch.title === undefined ? undefined : cleanTitle(patch.title, 'title');
  const descriptionEnc = encryptDescription(enc, patch.description);
  const current = await specificationFor(trx, actorId, specificationId, 'editor', 'change');
  assertIfMatch(ifMatch, current.version);
  const row = await updateSpecificationRow(trx, specificationId, {
    ...(title !== undefined ? { title } : {}),
    ...(descriptionEnc !== undefined ? { description_enc: descriptionEnc } : {}),
    ...(patch.status !== undefined ? { status: patch.status } : {}),
    updated_by: actorId,
  });
  await recordActivity(trx, ctx, row.project_id, {
    type: 'specification.updated',
    targetType: 'specification',
    targetId: row.id,
    details: { title: row.title, version: row.version, fields: Object.keys(patch) },
  });
  return toSpecification(row, enc);
}

/** Deletes a specification with all its items and their history, honouring If-Match. */
export async function deleteSpecification(
  trx: Kysely<Database>,
  ctx: Context,
  specificationId: string,
  ifMatch: IfMatch,
): Promise<void> {
  const current = await specificationFor(
    trx,
    ctx.actor.userId,
    specificationId,
    'editor',
    'delete',
  );
  assertIfMatch(ifMatch, current.version);
  await lockLinksOfSpecification(trx, specificationId);
  await deleteSpecificationRow(trx, specificationId);
  await recordActivity(trx, ctx, current.project_id, {
    type: 'specification.deleted',
    targetType: 'specification',
    targetId: specificationId,
    details: { title: current.title },
  });
  specificationChanged(ctx.effects, specificationId);
  // Its items' links go with them.
  projectTraceChanged(ctx.effects, current.project_id);
}

/** A project's specifications that an import's file names (by id, or the name it recorded). */
export async function specificationsByRef(
  db: Kysely<Database>,
  projectId: string,
  refs: readonly string[],
): Promise<SpecificationRow[]> {
  if (refs.length === 0) return [];
  return findSpecificationsByRef(db, projectId, refs.filter(isUuid), refs);
}

/**
 * A specification an import creates, remembering how the file named it; the caller holds the
 * project (as an editor) for the import's transaction.
 */
export async function createImportedSpecification(
  trx: Kysely<Database>,
  { actor, enc }: Context,
  projectId: string,
  input: { title: string; externalId: string | null },
): Promise<Specification> {
  const row = await insertSpecification(trx, {
    id: uuidv7(),
    project_id: projectId,
    title: cleanTitle(input.title, 'title'),
    description_enc: null,
    status: 'draft',
    created_by: actor.userId,
    updated_by: actor.userId,
    external_id: input.externalId,
  });
  return toSpecification(row, enc);
}
