import { type Kysely } from 'kysely';

/** A mail that could not be delivered for a day is given up (`failed_at`), not retried forever. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mail_outbox').addColumn('failed_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mail_outbox').dropColumn('failed_at').execute();
}
