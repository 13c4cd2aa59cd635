import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { UserRole } from '../users/users.table.js';
import type { PersonalAccessTokenRow, PersonalAccessTokenTable } from './tokens.table.js';

export async function insertToken(
  db: Kysely<Database>,
  row: Insertable<PersonalAccessTokenTable>,
): Promise<PersonalAccessTokenRow> {
  return db
    .insertInto('personal_access_tokens')
    .values(row)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A user's tokens that are not revoked, newest first (expired ones too, until revoked). */
export async function listTokensOf(
  db: Kysely<Database>,
  userId: string,
): Promise<PersonalAccessTokenRow[]> {
  return db
    .selectFrom('personal_access_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('id', 'desc')
    .execute();
}

/** Revokes tokens of a user (one, or all); returns the hashes of those it revoked. */
export async function revokeTokens(
  db: Kysely<Database>,
  where: { userId: string; tokenId?: string },
): Promise<string[]> {
  let query = db
    .updateTable('personal_access_tokens')
    .set({ revoked_at: sql<Date>`now()` })
    .where('user_id', '=', where.userId)
    .where('revoked_at', 'is', null);
  if (where.tokenId !== undefined) query = query.where('id', '=', where.tokenId);
  const rows = await query.returning('token_hash').execute();
  return rows.map((r) => r.token_hash);
}

export interface LiveToken {
  id: string;
  user_id: string;
  role: UserRole;
  scopes: PersonalAccessTokenRow['scopes'];
  expires_at: Date;
}

/**
 * A live token by its hash (not revoked, not expired, its user enabled), marked used now; in one
 * statement.
 */
export async function useToken(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<LiveToken | undefined> {
  return db
    .updateTable('personal_access_tokens as t')
    .from('users as u')
    .set({ last_used_at: sql<Date>`now()` })
    .whereRef('u.id', '=', 't.user_id')
    .where('t.token_hash', '=', tokenHash)
    .where('t.revoked_at', 'is', null)
    .where('t.expires_at', '>', sql<Date>`now()`)
    .where('u.disabled_at', 'is', null)
    .returning(['t.id', 't.user_id', 'u.role', 't.scopes', 't.expires_at'])
    .executeTakeFirst();
}

/** A user's tokens that are not revoked, with the user's role and state now. */
export async function tokenStatesOf(db: Kysely<Database>, userId: string) {
  return db
    .selectFrom('personal_access_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select([
      't.id',
      't.token_hash',
      't.scopes',
      't.expires_at',
      'u.role',
      sql<boolean>`u.disabled_at is not null`.as('disabled'),
    ])
    .where('t.user_id', '=', userId)
    .where('t.revoked_at', 'is', null)
    .execute();
}
