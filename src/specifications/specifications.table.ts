import type { Generated, Selectable } from 'kysely';

export type SpecificationStatus = 'draft' | 'in_review' | 'approved' | 'obsolete';

export interface SpecificationTable {
  id: string;
  project_id: string;
  title: string;
  /** Encrypted (see platform/crypto.ts); null when there is no description. */
  description_enc: string | null;
  status: Generated<SpecificationStatus>;
  created_by: string | null;
  updated_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export type SpecificationRow = Selectable<SpecificationTable>;
