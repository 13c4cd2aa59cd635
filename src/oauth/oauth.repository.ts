import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { OAuthStateRow, OAuthStateTable, ProviderId, UserIdentityRow } from './oauth.table.js';
import type { Insertable } from 'kysely';

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
  row: {
    id: string;
    user_id: string;
    provider: ProviderId;
    issuer: string;
    subject: string;
    email: string | null;
    email_verified: boolean;
  },
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

/** Stores a flow's state; abandoned flows older than their expiry are swept on the way. */
export async function insertState(
  db: Kysely<Database>,
  row: Insertable<OAuthStateTable>,
): Promise<void> {
  await db
    .deleteFrom('oauth_states')
    .where('expires_at', '<', sql<Date>`now()`)
    .execute();
  await db.insertInto('oauth_states').values(row).execute();
}

/** Uses a state up: returns it once, and only before it expires. */
export function takeState(
  db: Kysely<Database>,
  stateHash: string,
): Promise<(OAuthStateRow & { expired: boolean }) | undefined> {
  return db
    .deleteFrom('oauth_states')
    .where('state_hash', '=', stateHash)
    .returningAll()
    .returning(sql<boolean>`expires_at <= now()`.as('expired'))
    .executeTakeFirst();
}

export async function insertLoginCode(
  db: Kysely<Database>,
  row: {
    code_hash: string;
    user_id: string;
    provider: ProviderId;
    app_challenge: string | null;
    expires_at: Date;
  },
): Promise<void> {
  await db
    .deleteFrom('oauth_login_codes')
    .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
  await db.insertInto('oauth_login_codes').values(row).execute();
}

/** Uses a login code up, atomically; its user and app challenge, or undefined when unknown, used or expired. */
export function consumeLoginCode(
  db: Kysely<Database>,
  codeHash: string,
): Promise<{ user_id: string; app_challenge: string | null } | undefined> {
  return db
    .updateTable('oauth_login_codes')
    .set({ used_at: sql`now()` })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning(['user_id', 'app_challenge'])
    .executeTakeFirst();
}
