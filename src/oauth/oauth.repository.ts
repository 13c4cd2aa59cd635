import { sql, type Kysely } from 'kysely';
import type { Insertable } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { OAuthStateRow, OAuthStateTable, ProviderId } from './oauth.table.js';

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
