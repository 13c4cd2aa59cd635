import type { Generated, Selectable } from 'kysely';

export type ApprovalSubject = 'item' | 'baseline';
export type ApprovalMeaning = 'approved' | 'reviewed' | 'rejected';

/** An electronic signature; rows are only ever inserted (a trigger refuses updates). */
export interface ApprovalTable {
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
  signed_at: Generated<Date>;
}

export type ApprovalRow = Selectable<ApprovalTable>;
