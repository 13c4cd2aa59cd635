import type { Generated, Selectable } from 'kysely';

/** `source --type--> target`; the target is the upstream side. */
export interface ItemLinkTable {
  id: string;
  project_id: string;
  type: string;
  source_id: string;
  target_id: string;
  suspect: Generated<boolean>;
  suspect_since: Date | null;
  created_by: string | null;
  created_at: Generated<Date>;
  version: Generated<number>;
}

export type ItemLinkRow = Selectable<ItemLinkTable>;
