import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { PasskeyRow, PasskeyTable, WebauthnChallengeTable } from './passkeys.table.js';

export async function insertChallenge(
  db: Kysely<Database>,
  row: Insertable<WebauthnChallengeTable>,
): Promise<void> {
  // Expired challenges are refused anyway; each new one clears a few away.
  await db
    .deleteFrom('webauthn_challenges')
    .where(
      'challenge',
      'in',
      db
        .selectFrom('webauthn_challenges')
        .select('challenge')
        .where('expires_at', '<', sql<Date>`now()`)
        .limit(10),
    )
    .execute();
  await db.insertInto('webauthn_challenges').values(row).execute();
}

/** Uses up a live challenge of this purpose (and user, for registration); false when there is none. */
export async function consumeChallenge(
  db: Kysely<Database>,
  challenge: string,
  purpose: 'register' | 'login',
  userId: string | null,
): Promise<boolean> {
  let query = db
    .deleteFrom('webauthn_challenges')
    .where('challenge', '=', challenge)
    .where('purpose', '=', purpose)
    .where('expires_at', '>', sql<Date>`now()`);
  query = userId === null ? query : query.where('user_id', '=', userId);
  const row = await query.returning('challenge').executeTakeFirst();
  return row !== undefined;
}

export async function insertPasskey(
  db: Kysely<Database>,
  row: Insertable<PasskeyTable>,
): Promise<PasskeyRow> {
  return db.insertInto('passkeys').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function passkeysOf(db: Kysely<Database>, userId: string): Promise<PasskeyRow[]> {
  return db
    .selectFrom('passkeys')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
}

/** A passkey by its credential id, locked (its counter is checked and moved on). */
export async function lockPasskeyByCredential(
  db: Kysely<Database>,
  credentialId: string,
): Promise<PasskeyRow | undefined> {
  return db
    .selectFrom('passkeys')
    .selectAll()
    .where('credential_id', '=', credentialId)
    .forUpdate()
    .executeTakeFirst();
}

export async function markPasskeyUsed(
  db: Kysely<Database>,
  id: string,
  counter: number,
): Promise<void> {
  await db
    .updateTable('passkeys')
    .set({ counter: String(counter), last_used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export async function deletePasskey(
  db: Kysely<Database>,
  userId: string,
  id: string,
): Promise<PasskeyRow | undefined> {
  return db
    .deleteFrom('passkeys')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
