import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import { assertIfMatch, type IfMatch } from '../domain/preconditions.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import { baselineFor } from '../baselines/baselines.service.js';
import { itemContentHash } from '../baselines/content-hash.js';
import { assertItemEditor, getItem, lockItemForWrite, toItem } from '../items/items.service.js';
import type { UserRow } from '../users/users.table.js';
import { insertApprovalRow, listApprovalRows } from './approvals.repository.js';
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
  /** Whether the subject's content is still what was signed. */
  valid: boolean;
}

export interface NewApproval {
  meaning: ApprovalMeaning;
  comment?: string | undefined;
}

function toApproval(row: ApprovalRow, currentHash: string | null): Approval {
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
    valid: currentHash === row.content_hash,
  };
}

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
  return toApproval(approval, hash);
}

/** Signs a baseline, held against deletion until the commit. */
export async function signBaseline(
  trx: Kysely<Database>,
  ctx: Context,
  baselineId: string,
  signer: UserRow,
  input: NewApproval,
): Promise<Approval> {
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
  return toApproval(approval, baseline.content_hash);
}

/**
 * A page of the approvals of an item or a baseline, newest first; `valid` compares each one's
 * hash with the subject's content now.
 */
export async function listApprovals(
  db: Kysely<Database>,
  ctx: Context,
  subject: ApprovalSubject,
  subjectId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ data: Approval[]; nextCursor: string | null }> {
  const beforeId = decodeCursor(query.cursor, 'uuid');
  const currentHash =
    subject === 'item'
      ? itemContentHash(await getItem(db, ctx, subjectId))
      : (await baselineFor(db, ctx.actor.userId, subjectId, 'viewer')).content_hash;
  const rows = await listApprovalRows(db, subject, subjectId, { beforeId, limit: query.limit + 1 });
  return pageOf(
    rows,
    query.limit,
    (r) => toApproval(r, currentHash),
    (r) => r.id,
  );
}
