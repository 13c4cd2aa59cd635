import type { Generated, Selectable } from 'kysely';
import type { SpecificationStatus } from '../specifications/specifications.table.js';

export type ItemStatus = SpecificationStatus;
export type RevisionAction =
  'created' | 'updated' | 'moved' | 'deleted' | 'linked' | 'unlinked' | 'link_cleared';

export interface ItemTable {
  id: string;
  specification_id: string;
  project_id: string;
  key: string;
  order_key: string;
  title: string;
  /** Encrypted (see platform/crypto.ts). */
  body_enc: string;
  status: Generated<ItemStatus>;
  /** How the file it was imported from named it (imports match by it); null when made here. */
  external_id: Generated<string | null>;
  /** Encrypted JSON of the attributes an import kept (`{ name: value }`); null when none. */
  attributes_enc: Generated<string | null>;
  created_by: string | null;
  updated_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface ItemRevisionTable {
  id: string;
  item_id: string;
  specification_id: string;
  project_id: string;
  version: number;
  action: RevisionAction;
  changed_by: string | null;
  changed_at: Generated<Date>;
  /** Encrypted JSON of `{ field: { before, after } }`. */
  changes_enc: string;
}

export type ItemRow = Selectable<ItemTable>;
export type ItemRevisionRow = Selectable<ItemRevisionTable>;

/** An outgoing link as a snapshot of its item keeps it (baselines): the target as it was named. */
export interface SnapshotLink {
  type: string;
  target: { id: string; key: string; title: string; specificationId: string };
}
