import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { Insertable } from 'kysely';
import type { ProviderId, UserIdentityRow, UserIdentityTable } from './users.table.js';

export function findIdentity(
  db: Kysely<Database>,
  key: { provider: ProviderId; issuer: string; subject: string },
): Promise<UserIdentityRow | undefined> {
  return db
    .selectFrom('user_identities')
    .selectAll()
    .where('provider', '=', key.provider)
    .where('issuer', '=', key.issuer)
    .where('subject', '=', key.subject)
    .executeTakeFirst();
}

export async function insertIdentity(
  db: Kysely<Database>,
  row: Insertable<UserIdentityTable>,
): Promise<void> {
  await db.insertInto('user_identities').values(row).execute();
}

/** Notes a sign-in and what the provider now says about the address. */
export async function touchIdentity(
  db: Kysely<Database>,
  id: string,
  email: { email: string | null; email_verified: boolean },
): Promise<void> {
  await db
    .updateTable('user_identities')
    .set({ ...email, last_sign_in_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/**
 * After a password reset through the mailbox, identities that did not vouch for this very address
 * go: whoever signed up with someone else's e-mail loses the way in.
 */
export async function dropUnprovenIdentities(db: Kysely<Database>, userId: string): Promise<void> {
  await db
    .deleteFrom('user_identities')
    .where('user_id', '=', userId)
    .where((eb) =>
      eb.or([
        eb('email_verified', '=', false),
        eb('email', 'is', null),
        eb(
          sql<string>`lower(email)`,
          '<>',
          eb
            .selectFrom('users')
            .select(sql<string>`lower(email)`.as('e'))
            .where('id', '=', userId),
        ),
      ]),
    )
    .execute();
}

export async function deleteIdentity(
  db: Kysely<Database>,
  userId: string,
  provider: ProviderId,
): Promise<boolean> {
  const result = await db
    .deleteFrom('user_identities')
    .where('user_id', '=', userId)
    .where('provider', '=', provider)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
