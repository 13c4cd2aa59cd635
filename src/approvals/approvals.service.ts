import { recordActivity } from '../audit/audit.service.js';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import { NotFoundError } from '../domain/errors.js';
import { assertIfMatch, type IfMatch } from '../domain/preconditions.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import { baselineFor } from '../baselines/baselines.service.js';
import { itemContentHash } from '../baselines/content-hash.js';
import {
  assertItemEditor,
  itemRefOf,
  lastContentChange,
  lockItemForWrite,
  toItem,
} from '../items/items.service.js';
import { holdSpecification, specificationFor } from '../specifications/specifications.service.js';
import type { UserRow } from '../users/users.table.js';
import {
  findApprovalRow,
  insertApprovalRow,
  listApprovalRows,
  specificationOfApprovals,
} from './approvals.repository.js';
import type { ApprovalMeaning, ApprovalRow, ApprovalSubject } from './approvals.table.js';

/** An electronic signature as the API shows it. */
export interface Approval {
  id: string;
  subject: ApprovalSubject;
  subjectId: string;
  specificationId: string;
  version: number;
  contentHash: string;
  meaning: ApprovalMeaning;
  comment: string | null;
  signedBy: { id: string; email: string; name: string | null };
  signedAt: Date;
  /** False once the subject's content changed after signing, or the subject is gone. */
  valid: boolean;
}

export interface NewApproval {
  meaning: ApprovalMeaning;
  comment?: string | undefined;
}

function toApproval(row: ApprovalRow, holds: (row: ApprovalRow) => boolean): Approval {
  return {
    id: row.id,
    subject: row.subject,
    subjectId: row.subject_id,
    specificationId: row.specification_id,
    version: row.subject_version,
    contentHash: row.content_hash,
    meaning: row.meaning,
    comment: row.comment,
    signedBy: { id: row.signed_by, email: row.signer_email, name: row.signer_name },
    signedAt: row.signed_at,
    valid: holds(row),
  };
}

const always = () => true;

const cleanComment = (comment: string | undefined) => comment?.trim() || null;

/** Whether the caller may sign this item or baseline (editors and owners; else 404 or 403). */
export async function assertMaySign(
  db: Kysely<Database>,
  ctx: Context,
  subject: ApprovalSubject,
  subjectId: string,
): Promise<void> {
  if (subject === 'item') await assertItemEditor(db, ctx, subjectId);
  else await baselineFor(db, ctx.actor.userId, subjectId, 'editor');
}

/** Records a signature in its project's activity. */
function approvalActivity(trx: Kysely<Database>, ctx: Context, row: ApprovalRow): Promise<void> {
  return recordActivity(trx, ctx, row.project_id, {
    type: 'approval.signed',
    targetType: 'approval',
    targetId: row.id,
    details: {
      subject: row.subject,
      subjectId: row.subject_id,
      subjectVersion: row.subject_version,
      meaning: row.meaning,
      contentHash: row.content_hash,
    },
  });
}

/**
 * Signs an item as it is now: the approval records its version and content hash. The item is
 * locked until the commit, so what is recorded is what was current when signing; `If-Match`
 * binds the signature to the version the signer read.
 */
export async function signItem(
  trx: Kysely<Database>,
  ctx: Context,
  itemId: string,
  signer: UserRow,
  input: NewApproval,
  ifMatch: IfMatch,
): Promise<Approval> {
  const row = await lockItemForWrite(trx, ctx, itemId);
  assertIfMatch(ifMatch, row.version);
  const hash = itemContentHash(toItem(row, ctx.enc));
  const approval = await insertApprovalRow(trx, {
    id: uuidv7(),
    project_id: row.project_id,
    specification_id: row.specification_id,
    subject: 'item',
    subject_id: itemId,
    subject_version: row.version,
    content_hash: hash,
    meaning: input.meaning,
    comment: cleanComment(input.comment),
    signed_by: signer.id,
    signer_email: signer.email,
    signer_name: signer.name,
  });
  await approvalActivity(trx, ctx, approval);
  return toApproval(approval, always);
}

/**
 * Signs a baseline, held against deletion until the commit: its specification first, then the
 * baseline, the order in which deleting the specification takes them.
 */
export async function signBaseline(
  trx: Kysely<Database>,
  ctx: Context,
  baselineId: string,
  signer: UserRow,
  input: NewApproval,
): Promise<Approval> {
  const found = await baselineFor(trx, ctx.actor.userId, baselineId, 'editor');
  if (!(await holdSpecification(trx, found.specification_id))) {
    throw new NotFoundError('Baseline');
  }
  const baseline = await baselineFor(trx, ctx.actor.userId, baselineId, 'editor', 'hold');
  const approval = await insertApprovalRow(trx, {
    id: uuidv7(),
    project_id: baseline.project_id,
    specification_id: baseline.specification_id,
    subject: 'baseline',
    subject_id: baselineId,
    subject_version: 1,
    content_hash: baseline.content_hash,
    meaning: input.meaning,
    comment: cleanComment(input.comment),
    signed_by: signer.id,
    signer_email: signer.email,
    signer_name: signer.name,
  });
  await approvalActivity(trx, ctx, approval);
  return toApproval(approval, always);
}

/**
 * Which of a subject's approvals still hold. An item's hold while its title, body and status have
 * not changed since the version signed (a change undone later does not make one hold again); a
 * baseline's always. A subject that is gone keeps its approvals readable to the members of their
 * specification, none of them holding. 404 when the caller may see neither.
 */
async function holding(
  db: Kysely<Database>,
  ctx: Context,
  subject: ApprovalSubject,
  subjectId: string,
): Promise<(row: ApprovalRow) => boolean> {
  try {
    if (subject === 'baseline') {
      await baselineFor(db, ctx.actor.userId, subjectId, 'viewer');
      return always;
    }
    await itemRefOf(db, ctx, subjectId);
    const changed = await lastContentChange(db, subjectId);
    return (row) => row.subject_version >= changed;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    const specificationId = await specificationOfApprovals(db, subject, subjectId);
    if (specificationId === undefined) throw err;
    try {
      await specificationFor(db, ctx.actor.userId, specificationId, 'viewer');
    } catch (denied) {
      throw denied instanceof NotFoundError ? err : denied;
    }
    return () => false;
  }
}

/** One approval, to the members of its specification (else 404), `valid` as in a list. */
export async function getApproval(
  db: Kysely<Database>,
  ctx: Context,
  approvalId: string,
): Promise<Approval> {
  const row = await findApprovalRow(db, approvalId);
  if (!row) throw new NotFoundError('Approval');
  try {
    await specificationFor(db, ctx.actor.userId, row.specification_id, 'viewer');
  } catch (err) {
    throw err instanceof NotFoundError ? new NotFoundError('Approval') : err;
  }
  return toApproval(row, await holding(db, ctx, row.subject, row.subject_id));
}

/**
 * A page of the approvals of an item or a baseline, newest first, each `valid` while it holds
 * (see `holding`).
 */
export async function listApprovals(
  db: Kysely<Database>,
  ctx: Context,
  subject: ApprovalSubject,
  subjectId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ data: Approval[]; nextCursor: string | null }> {
  const beforeId = decodeCursor(query.cursor, 'uuid');
  const holds = await holding(db, ctx, subject, subjectId);
  const rows = await listApprovalRows(db, subject, subjectId, { beforeId, limit: query.limit + 1 });
  return pageOf(
    rows,
    query.limit,
    (r) => toApproval(r, holds),
    (r) => r.id,
  );
}
