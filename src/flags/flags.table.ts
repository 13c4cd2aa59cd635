import type { ColumnType, Generated, Selectable } from 'kysely';

type Json<T> = ColumnType<T, string, string>;

export interface FeatureFlagTable {
  key: string;
  enabled: boolean;
  description: string | null;
  rollout_percent: number;
  allow_users: Json<string[]>;
  deny_users: Json<string[]>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  updated_by: string | null;
  version: Generated<number>;
}

export interface FeatureFlagHistoryTable {
  id: string;
  flag_key: string;
  action: 'created' | 'updated' | 'deleted';
  changed_by: string | null;
  changed_at: Generated<Date>;
  before: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  after: ColumnType<Record<string, unknown> | null, string | null, string | null>;
}

export type FeatureFlagRow = Selectable<FeatureFlagTable>;
export type FeatureFlagHistoryRow = Selectable<FeatureFlagHistoryTable>;
