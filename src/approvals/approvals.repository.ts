import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { ApprovalMeaning, ApprovalRow, ApprovalSubject } from './approvals.table.js';

export function insertApprovalRow(
  db: Kysely<Database>,
  row: {
    id: string;
    project_id: string;
    specification_id: string;
    subject: ApprovalSubject;
    subject_id: string;
    subject_version: number;
    content_hash: string;
    meaning: ApprovalMeaning;
    comment: string | null;
    signed_by: string;
    signer_email: string;
    signer_name: string | null;
  },
): Promise<ApprovalRow> {
  return db.insertInto('approvals').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findApprovalRow(
  db: Kysely<Database>,
  approvalId: string,
): Promise<ApprovalRow | undefined> {
  return db.selectFrom('approvals').selectAll().where('id', '=', approvalId).executeTakeFirst();
}

/** The approvals of an item or a baseline, newest first, keyset by id (UUIDv7). */
export function listApprovalRows(
  db: Kysely<Database>,
  subject: ApprovalSubject,
  subjectId: string,
  options: { beforeId: string | null; limit: number },
): Promise<ApprovalRow[]> {
  let query = db
    .selectFrom('approvals')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .where('subject', '=', subject)
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.beforeId !== null) query = query.where('id', '<', options.beforeId);
  return query.execute();
}

/** The specification the approvals of a subject belong to, when it has any. */
export async function specificationOfApprovals(
  db: Kysely<Database>,
  subject: ApprovalSubject,
  subjectId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('approvals')
    .select('specification_id')
    .where('subject_id', '=', subjectId)
    .where('subject', '=', subject)
    .limit(1)
    .executeTakeFirst();
  return row?.specification_id;
}
