import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../platform/schema.js';
import type { FeatureFlagHistoryRow, FeatureFlagRow } from './flags.table.js';

export function listFlagRows(db: Kysely<Database>): Promise<FeatureFlagRow[]> {
  return db.selectFrom('feature_flags').selectAll().orderBy('key').execute();
}

export function findFlagRow(
  db: Kysely<Database>,
  key: string,
): Promise<FeatureFlagRow | undefined> {
  return db
    .selectFrom('feature_flags')
    .selectAll()
    .where('key', '=', key)
    .forUpdate()
    .executeTakeFirst();
}

export function upsertFlagRow(
  db: Kysely<Database>,
  row: {
    key: string;
    enabled: boolean;
    description: string | null;
    rollout_percent: number;
    allow_users: string[];
    deny_users: string[];
    updated_by: string;
  },
): Promise<FeatureFlagRow> {
  const values = {
    ...row,
    allow_users: JSON.stringify(row.allow_users),
    deny_users: JSON.stringify(row.deny_users),
  };
  return db
    .insertInto('feature_flags')
    .values(values)
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        enabled: values.enabled,
        description: values.description,
        rollout_percent: values.rollout_percent,
        allow_users: values.allow_users,
        deny_users: values.deny_users,
        updated_by: values.updated_by,
        updated_at: sql`now()`,
        version: sql`feature_flags.version + 1`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteFlagRow(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('feature_flags').where('key', '=', key).execute();
}

export async function insertFlagHistory(
  db: Kysely<Database>,
  entry: {
    flag_key: string;
    action: 'created' | 'updated' | 'deleted';
    changed_by: string;
    before: unknown;
    after: unknown;
  },
): Promise<void> {
  await db
    .insertInto('feature_flag_history')
    .values({
      id: uuidv7(),
      flag_key: entry.flag_key,
      action: entry.action,
      changed_by: entry.changed_by,
      before: entry.before === null ? null : JSON.stringify(entry.before),
      after: entry.after === null ? null : JSON.stringify(entry.after),
    })
    .execute();
}

/** Newest first, keyset by id (UUIDv7). */
export function listFlagHistory(
  db: Kysely<Database>,
  key: string,
  options: { before: string | null; limit: number },
): Promise<FeatureFlagHistoryRow[]> {
  let query = db
    .selectFrom('feature_flag_history')
    .selectAll()
    .where('flag_key', '=', key)
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.before !== null) query = query.where('id', '<', options.before);
  return query.execute();
}
