import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Encryptor } from './crypto.js';
import type { Database } from './schema.js';

/**
 * Every encrypted column (named `*_enc`), with its table's primary key: the one list that key
 * rotation works through. A test compares it with the schema, so a new `_enc` column that is
 * not added here fails the suite.
 */
export const ENCRYPTED_COLUMNS = [
  { table: 'specifications', column: 'description_enc', key: 'id', keyType: 'uuid' },
  { table: 'items', column: 'body_enc', key: 'id', keyType: 'uuid' },
  { table: 'items', column: 'attributes_enc', key: 'id', keyType: 'uuid' },
  { table: 'item_revisions', column: 'changes_enc', key: 'id', keyType: 'uuid' },
  { table: 'baselines', column: 'description_enc', key: 'id', keyType: 'uuid' },
  { table: 'baseline_items', column: 'body_enc', key: 'id', keyType: 'uuid' },
  { table: 'refresh_tokens', column: 'successor_enc', key: 'token_hash', keyType: 'text' },
  { table: 'oauth_states', column: 'code_verifier_enc', key: 'state_hash', keyType: 'text' },
  { table: 'mail_outbox', column: 'body_enc', key: 'id', keyType: 'uuid' },
  { table: 'totp_credentials', column: 'secret_enc', key: 'user_id', keyType: 'uuid' },
  { table: 'webhooks', column: 'secret_enc', key: 'id', keyType: 'uuid' },
] as const;

export interface RotationProgress {
  table: string;
  done: number;
  total: number;
}

function staleValues(enc: Encryptor, column: string) {
  const prefix = enc.currentPrefix;
  return sql`${sql.ref(column)} is not null and left(${sql.ref(column)}, ${prefix.length}) <> ${prefix}`;
}

/** How many stored values are not yet under the current key, per table. */
export async function countStale(
  db: Kysely<Database>,
  enc: Encryptor,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, column } of ENCRYPTED_COLUMNS) {
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from ${sql.table(table)} where ${staleValues(enc, column)}`.execute(db);
    counts[table] = (counts[table] ?? 0) + Number(rows[0]?.n ?? 0);
  }
  return counts;
}

/**
 * Re-encrypts every stored value under the current key, a batch per transaction. Only values
 * under another key are picked, so an interrupted run resumes where it stopped; a value changed
 * meanwhile is left to its writer (compare-and-set) and picked up by the next run.
 */
export async function rotateKeys(
  db: Kysely<Database>,
  enc: Encryptor,
  options: { batchSize: number; onProgress?: (progress: RotationProgress) => void },
): Promise<{ rotated: number }> {
  const totals = await countStale(db, enc);
  let rotated = 0;
  for (const { table, column, key, keyType } of ENCRYPTED_COLUMNS) {
    const total = totals[table] ?? 0;
    let done = 0;
    let after: string | null = null;
    options.onProgress?.({ table, done, total });
    for (;;) {
      const from: RawBuilder<unknown> =
        after === null ? sql`true` : sql`${sql.ref(key)} > ${after}`;
      const { rows }: { rows: { key: string; value: string }[] } = await sql<{
        key: string;
        value: string;
      }>`
        select ${sql.ref(key)} as key, ${sql.ref(column)} as value from ${sql.table(table)}
        where ${from} and ${staleValues(enc, column)}
        order by ${sql.ref(key)} limit ${options.batchSize}`.execute(db);
      const last = rows.at(-1);
      if (!last) break;
      const values = rows.map(
        (r) =>
          sql`(${r.key}::${sql.raw(keyType)}, ${r.value}, ${enc.encrypt(enc.decrypt(r.value))})`,
      );
      const result = await sql`
        update ${sql.table(table)} as t set ${sql.ref(column)} = v.fresh
        from (values ${sql.join(values)}) as v(key, stale, fresh)
        where t.${sql.ref(key)} = v.key and t.${sql.ref(column)} = v.stale`.execute(db);
      rotated += Number(result.numAffectedRows ?? 0);
      done += rows.length;
      after = last.key;
      options.onProgress?.({ table, done: Math.min(done, total), total });
    }
    // Values deleted while rotating were counted but never seen; the table is done all the same.
    if (done < total) options.onProgress?.({ table, done: total, total });
  }
  return { rotated };
}
