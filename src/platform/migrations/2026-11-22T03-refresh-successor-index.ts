import { sql, type Kysely } from 'kysely';

// Rotation clears a session's expired successors; only rows still holding one need finding.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index refresh_tokens_successor_idx on refresh_tokens (session_id) where successor_enc is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('refresh_tokens_successor_idx').execute();
}
