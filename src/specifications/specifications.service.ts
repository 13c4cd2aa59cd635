import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { NotFoundError } from '../errors.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { assertIfMatch, type IfMatch } from '../http/preconditions.js';
import { cleanTitle, limitBytes } from '../http/text-fields.js';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import { assertRole, requireRole } from '../projects/project-access.js';
import { findProjectOfUser } from '../projects/projects.repository.js';
import {
  deleteSpecificationRow,
  findSpecificationOfUser,
  insertSpecification,
  listSpecificationRows,
  updateSpecificationRow,
  type SpecificationWithRole,
} from './specifications.repository.js';
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
  lock = false,
): Promise<SpecificationWithRole> {
  const row = await findSpecificationOfUser(db, specificationId, actorId, lock);
  assertRole(row?.role, needed, 'Specification');
  if (!row) throw new NotFoundError('Specification');
  return row;
}

export async function createSpecification(
  db: Kysely<Database>,
  enc: Encryptor,
  actorId: string,
  projectId: string,
  input: SpecificationInput & { title: string },
): Promise<Specification> {
  const title = cleanTitle(input.title, 'title');
  const descriptionEnc = encryptDescription(enc, input.description) ?? null;
  return db.transaction().execute(async (trx) => {
    // The lock makes a concurrent delete of the project wait, or show here as 404.
    const project = await findProjectOfUser(trx, projectId, actorId, true);
    assertRole(project?.role, 'editor');
    const row = await insertSpecification(trx, {
      id: uuidv7(),
      project_id: projectId,
      title,
      description_enc: descriptionEnc,
      status: input.status ?? 'draft',
      created_by: actorId,
      updated_by: actorId,
    });
    return toSpecification(row, enc);
  });
}

/** A page of a project's specifications, oldest first. */
export async function listSpecifications(
  db: Kysely<Database>,
  enc: Encryptor,
  actorId: string,
  projectId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ data: Specification[]; nextCursor: string | null }> {
  await requireRole(db, projectId, actorId, 'viewer');
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
  enc: Encryptor,
  actorId: string,
  specificationId: string,
): Promise<Specification> {
  return toSpecification(await specificationFor(db, actorId, specificationId, 'viewer'), enc);
}

/** Changes title, description or status (editors and owners), honouring If-Match. */
export async function updateSpecification(
  db: Kysely<Database>,
  enc: Encryptor,
  actorId: string,
  specificationId: string,
  patch: SpecificationInput,
  ifMatch: IfMatch,
): Promise<Specification> {
  const title = patch.title === undefined ? undefined : cleanTitle(patch.title, 'title');
  const descriptionEnc = encryptDescription(enc, patch.description);
  return db.transaction().execute(async (trx) => {
    const current = await specificationFor(trx, actorId, specificationId, 'editor', true);
    assertIfMatch(ifMatch, current.version);
    const row = await updateSpecificationRow(trx, specificationId, {
      ...(title !== undefined ? { title } : {}),
      ...(descriptionEnc !== undefined ? { description_enc: descriptionEnc } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      updated_by: actorId,
    });
    return toSpecification(row, enc);
  });
}

/** Deletes a specification with all its items and their history, honouring If-Match. */
export async function deleteSpecification(
  db: Kysely<Database>,
  actorId: string,
  specificationId: string,
  ifMatch: IfMatch,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await specificationFor(trx, actorId, specificationId, 'editor', true);
    assertIfMatch(ifMatch, current.version);
    await deleteSpecificationRow(trx, specificationId);
  });
}
