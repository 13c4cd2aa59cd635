import { sql, type Kysely } from 'kysely';

/**
 * Each rotation clears the successors of its session whose race window has passed. Indexed by
 * session alone, that scanned every successor still in its window; with `used_at` in the key it
 * reads only the expired ones. A session refreshed many times a second (the bench: ~50/s) kept
 * ~500 in its window and rotations slowed with it (pgbench: 513 -> 641 rotations/s).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('refresh_tokens_successor_idx').execute();
  await sql`create index refresh_tokens_successor_idx on refresh_tokens (session_id, used_at) where successor_enc is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('refresh_tokens_successor_idx').execute();
  await sql`create index refresh_tokens_successor_idx on refresh_tokens (session_id) where successor_enc is not null`.execute(
    db,
  );
}
