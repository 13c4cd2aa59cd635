import type { Generated, Selectable } from 'kysely';

/** The item fields whose change can make a link suspect. */
export type SuspectField = 'title' | 'body' | 'status';

export interface LinkTypeTable {
  project_id: string;
  key: string;
  name: string;
  inverse_name: string;
  hierarchical: Generated<boolean>;
  suspect_fields: Generated<SuspectField[]>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type LinkTypeRow = Selectable<LinkTypeTable>;
