import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { MfaChallengeRow, TotpCredentialRow } from './mfa.table.js';

/** Starts (or restarts) a pending TOTP enrolment; an enabled one is left alone (returns false). */
export async function upsertPendingTotp(
  db: Kysely<Database>,
  userId: string,
  secretEnc: string,
): Promise<boolean> {
  const row = await db
    .insertInto('totp_credentials')
    .values({ user_id: userId, secret_enc: secretEnc })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet({ secret_enc: secretEnc, created_at: sql<Date>`now()`, last_step: null })
        .where('totp_credentials.enabled_at', 'is', null),
    )
    .returning('user_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function lockTotp(
  db: Kysely<Database>,
  userId: string,
): Promise<TotpCredentialRow | undefined> {
  return db
    .selectFrom('totp_credentials')
    .selectAll()
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}

/** When the user's TOTP was confirmed; null while pending or absent. */
export async function totpEnabledAt(db: Kysely<Database>, userId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('totp_credentials')
    .select('enabled_at')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.enabled_at ?? null;
}

/** Whether the user signs in with a second step. */
export async function totpEnabled(db: Kysely<Database>, userId: string): Promise<boolean> {
  return (await totpEnabledAt(db, userId)) !== null;
}

export async function updateTotp(
  db: Kysely<Database>,
  userId: string,
  set: { enabled_at?: Date; last_step: number },
): Promise<void> {
  await db
    .updateTable('totp_credentials')
    .set({ ...set, last_step: String(set.last_step) })
    .where('user_id', '=', userId)
    .execute();
}

/** Removes TOTP and the recovery codes; returns whether TOTP was there. */
export async function deleteTotp(db: Kysely<Database>, userId: string): Promise<boolean> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  const result = await db
    .deleteFrom('totp_credentials')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Replaces the user's recovery codes. */
export async function replaceRecoveryCodes(
  db: Kysely<Database>,
  userId: string,
  codeHashes: string[],
): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_codes')
    .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash })))
    .execute();
}

/** Uses an unused recovery code; returns how many are left, or null when it was not one. */
export async function useRecoveryCode(
  db: Kysely<Database>,
  userId: string,
  codeHash: string,
): Promise<number | null> {
  const used = await db
    .updateTable('recovery_codes')
    .set({ used_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .returning('code_hash')
    .executeTakeFirst();
  if (!used) return null;
  const left = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(left.n);
}

export async function insertChallenge(
  db: Kysely<Database>,
  row: { token_hash: string; user_id: string; amr: string[]; expires_at: Date },
): Promise<void> {
  // Expired challenges are refused anyway; each new one clears a few away.
  await db
    .deleteFrom('mfa_challenges')
    .where(
      'token_hash',
      'in',
      db
        .selectFrom('mfa_challenges')
        .select('token_hash')
        .where('expires_at', '<', sql<Date>`now()`)
        .limit(10),
    )
    .execute();
  await db.insertInto('mfa_challenges').values(row).execute();
}

/** A challenge that is still open (not ended, not expired), locked. */
export async function lockOpenChallenge(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<MfaChallengeRow | undefined> {
  return db
    .selectFrom('mfa_challenges')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .forUpdate()
    .executeTakeFirst();
}

/** Counts a wrong code; the challenge ends at `maxFailures`. Returns whether it ended. */
export async function failChallenge(
  db: Kysely<Database>,
  tokenHash: string,
  maxFailures: number,
): Promise<boolean> {
  const row = await db
    .updateTable('mfa_challenges')
    .set((eb) => ({
      failures: eb('failures', '+', 1),
      ended_at: sql<Date | null>`case when failures + 1 >= ${maxFailures} then now() end`,
    }))
    .where('token_hash', '=', tokenHash)
    .returning('ended_at')
    .executeTakeFirstOrThrow();
  return row.ended_at !== null;
}

export async function endChallenge(db: Kysely<Database>, tokenHash: string): Promise<void> {
  await db
    .updateTable('mfa_challenges')
    .set({ ended_at: sql<Date>`now()` })
    .where('token_hash', '=', tokenHash)
    .execute();
}
