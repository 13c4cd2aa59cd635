import { sql, type Kysely } from 'kysely';
import { hashToken, randomToken } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import type { TokenPurpose } from './sessions.table.js';

const TOKEN_TTL_SECONDS: Record<TokenPurpose, number> = {
  password_reset: 30 * 60,
  email_verification: 24 * 60 * 60,
};

/** Makes a single-use token (stored hashed); earlier unused ones of the same purpose stop working. */
export async function createOneTimeToken(
  db: Kysely<Database>,
  userId: string,
  purpose: TokenPurpose,
): Promise<string> {
  const token = randomToken();
  await db
    .deleteFrom('one_time_tokens')
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .execute();
  await db
    .insertInto('one_time_tokens')
    .values({
      token_hash: hashToken(token),
      user_id: userId,
      purpose,
      expires_at: new Date(Date.now() + TOKEN_TTL_SECONDS[purpose] * 1000),
    })
    .execute();
  return token;
}

/** Uses a token up, atomically; returns its user, or null when unknown, used or expired. */
export async function consumeOneTimeToken(
  db: Kysely<Database>,
  token: string,
  purpose: TokenPurpose,
): Promise<string | null> {
  const row = await db
    .updateTable('one_time_tokens')
    .set({ used_at: sql`now()` })
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id ?? null;
}
