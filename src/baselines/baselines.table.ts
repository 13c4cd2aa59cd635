import type { Generated, Selectable } from 'kysely';
import type { ItemStatus, SnapshotLink } from '../items/items.table.js';

export type { SnapshotLink };

export interface BaselineTable {
  id: string;
  project_id: string;
  specification_id: string;
  name: string;
  /** Encrypted (see platform/crypto.ts); null when there is no description. */
  description_enc: string | null;
  specification_title: string;
  item_count: number;
  content_hash: string;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface BaselineItemTable {
  id: Generated<string>;
  baseline_id: string;
  position: number;
  item_id: string;
  key: string;
  specification_id: string;
  title: string;
  /** Encrypted, copied from the item as it was. */
  body_enc: string;
  status: ItemStatus;
  version: number;
  created_by: string | null;
  updated_by: string | null;
  created_at: Date;
  updated_at: Date;
  links: SnapshotLink[];
}

export type BaselineRow = Selectable<BaselineTable>;
export type BaselineItemRow = Selectable<BaselineItemTable>;
