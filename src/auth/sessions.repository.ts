import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { UserRow, UserRole } from '../users/users.table.js';
import type { SessionRow } from './sessions.table.js';

export async function insertSession(
  db: Kysely<Database>,
  row: {
    id: string;
    user_id: string;
    user_agent: string | null;
    ip: string | null;
    expires_at: Date;
    amr: string[];
  },
): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export async function insertRefreshToken(
  db: Kysely<Database>,
  sessionId: string,
  tokenHash: string,
): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({ token_hash: tokenHash, session_id: sessionId })
    .execute();
}

/**
 * The one rule for a live session: not revoked, not expired, and its user not disabled. Every
 * query that asks for live sessions joins `users` and uses this.
 */
function isLive(eb: ExpressionBuilder<Database, 'sessions' | 'users'>) {
  return eb.and([
    eb('sessions.revoked_at', 'is', null),
    eb('sessions.expires_at', '>', sql<Date>`now()`),
    eb('users.disabled_at', 'is', null),
  ]);
}

/** A live session with what authorization needs of its user. */
export function findLiveSession(
  db: Kysely<Database>,
  sessionId: string,
): Promise<{ user_id: string; role: UserRole; expires_at: Date } | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.user_id', 'users.role', 'sessions.expires_at'])
    .where('sessions.id', '=', sessionId)
    .where(isLive)
    .executeTakeFirst();
}

/** The refresh token with its session and user, locked for this transaction. */
export function lockRefreshToken(db: Kysely<Database>, tokenHash: string) {
  return db
    .selectFrom('refresh_tokens')
    .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'refresh_tokens.token_hash',
      'refresh_tokens.used_at',
      'refresh_tokens.successor_enc',
      'sessions.id as session_id',
      'sessions.user_id',
      'sessions.revoked_at',
      'sessions.expires_at',
      'sessions.amr',
      'users.disabled_at',
      sql<Date>`now()`.as('now'),
    ])
    .where('refresh_tokens.token_hash', '=', tokenHash)
    .forUpdate()
    .executeTakeFirst();
}

/** Revokes sessions (and drops their refresh tokens); returns the ids revoked. */
export async function revokeSessions(
  db: Kysely<Database>,
  where: { userId: string; sessionId?: string; exceptSessionId?: string },
): Promise<string[]> {
  let query = db
    .updateTable('sessions')
    .set({ revoked_at: sql`now()` })
    .where('user_id', '=', where.userId)
    .where('revoked_at', 'is', null);
  if (where.sessionId !== undefined) query = query.where('id', '=', where.sessionId);
  if (where.exceptSessionId !== undefined) query = query.where('id', '!=', where.exceptSessionId);
  const rows = await query.returning('id').execute();
  const ids = rows.map((r) => r.id);
  if (ids.length > 0)
    await db.deleteFrom('refresh_tokens').where('session_id', 'in', ids).execute();
  return ids;
}

/** A user's live sessions with the user's current role (for refreshing cached entries). */
export function liveSessionsOf(
  db: Kysely<Database>,
  userId: string,
): Promise<{ id: string; role: UserRole; expires_at: Date }[]> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id', 'users.role', 'sessions.expires_at'])
    .where('sessions.user_id', '=', userId)
    .where(isLive)
    .execute();
}

/** A user's live sessions, newest first (at most 100). */
export function listLiveSessions(db: Kysely<Database>, userId: string): Promise<SessionRow[]> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .where('sessions.user_id', '=', userId)
    .where(isLive)
    .orderBy('sessions.created_at', 'desc')
    .limit(100)
    .execute();
}

/**
 * The common case of a refresh in one statement: uses the token if it is unused and its session
 * live, stores its successor, touches the session, and returns the user. No row: not that case.
 */
export async function rotateUnusedRefreshToken(
  db: Kysely<Database>,
  input: {
    tokenHash: string;
    nextHash: string;
    graceSeconds: number;
    nextEnc: string;
    ip: string | null;
    userAgent: string | null;
  },
): Promise<(UserRow & { session_id: string; session_amr: string[] }) | undefined> {
  // The statement lives in a function (migration 2026-12-05T04), whose plan is cached.
  const result = await sql<UserRow & { session_id: string; session_amr: string[] }>`
    select (r.rotated_user).*, r.rotated_session as session_id, r.rotated_amr as session_amr
    from gilla_rotate_refresh_token(${input.tokenHash}, ${input.nextHash}, ${input.nextEnc},
      ${input.graceSeconds}, ${input.ip}, ${input.userAgent}) r`.execute(db);
  return result.rows[0];
}

/** When a session began (its sign-in; refreshing keeps it), while it is live. */
export async function sessionStartedAt(
  db: Kysely<Database>,
  sessionId: string,
): Promise<{ created_at: Date; now: Date } | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.created_at', sql<Date>`now()`.as('now')])
    .where('sessions.id', '=', sessionId)
    .where(isLive)
    .executeTakeFirst();
}
