import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { MailRow } from './mail.table.js';

export async function insertMail(
  db: Kysely<Database>,
  row: { id: string; recipient: string; subject: string; body_enc: string },
): Promise<void> {
  await db.insertInto('mail_outbox').values(row).execute();
}

/**
 * Claims due mails for one delivery attempt: pushes their next attempt out by a lease so that no
 * other instance takes them meanwhile (SKIP LOCKED), and counts the attempt.
 */
export async function claimDueMails(
  db: Kysely<Database>,
  limit: number,
  leaseSeconds: number,
): Promise<MailRow[]> {
  return db
    .updateTable('mail_outbox')
    .set({
      attempts: sql`attempts + 1`,
      next_attempt_at: sql`now() + make_interval(secs => ${leaseSeconds})`,
    })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('mail_outbox')
        .select('id')
        .where('sent_at', 'is', null)
        .where('failed_at', 'is', null)
        .where('next_attempt_at', '<=', sql<Date>`now()`)
        .orderBy('next_attempt_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
}

export async function markMailSent(db: Kysely<Database>, id: string): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ sent_at: sql`now()`, last_error: null })
    .where('id', '=', id)
    .execute();
}

/**
 * Records a failed attempt: the next one after `retryInSeconds`, or none once the mail has been
 * waiting longer than `giveUpAfterSeconds`. Returns whether it was given up.
 */
export async function markMailFailed(
  db: Kysely<Database>,
  id: string,
  error: string,
  retryInSeconds: number,
  giveUpAfterSeconds: number,
): Promise<boolean> {
  const row = await db
    .updateTable('mail_outbox')
    .set({
      last_error: error.slice(0, 500),
      next_attempt_at: sql`now() + make_interval(secs => ${retryInSeconds})`,
      failed_at: sql`case when created_at < now() - make_interval(secs => ${giveUpAfterSeconds})
        then now() end`,
    })
    .where('id', '=', id)
    .returning('failed_at')
    .executeTakeFirst();
  return row?.failed_at != null;
}
