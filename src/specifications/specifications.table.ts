import type { Generated, Selectable } from 'kysely';

export type SpecificationStatus = 'draft' | 'in_review' | 'approved' | 'obsolete';

export interface SpecificationTable {
  id: string;
  project_id: string;
  title: string;
  /** Encrypted (see platform/crypto.ts); null when there is no description. */
  description_enc: string | null;
  status: Generated<SpecificationStatus>;
  /** How the file it was imported from named it (imports match by it); null when made here. */
  external_id: Generated<string | null>;
  created_by: string | null;
  updated_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export type SpecificationRow = Selectable<SpecificationTable>;
