import type { Kysely } from 'kysely';
import type { Cache } from '../platform/cache.js';
import type { Database } from '../platform/schema.js';
import type { UserRole } from '../users/users.table.js';
import { findLiveSession, liveSessionsOf } from './sessions.repository.js';

const LIVE_TTL_SECONDS = 60;
const REVOKED = 'x';
const key = (sessionId: string) => `sess:${sessionId}`;

/** A live session's cache entry: user, role and expiry, so that a cached session still ends on time. */
function liveEntry(userId: string, role: UserRole, expiresAt: Date): string {
  return `${userId} ${role} ${expiresAt.getTime()}`;
}

/** How long a live entry may stay: at most a minute, never past the session's expiry. */
function liveTtl(expiresAt: Date): number {
  return Math.max(
    1,
    Math.min(LIVE_TTL_SECONDS, Math.ceil((expiresAt.getTime() - Date.now()) / 1000)),
  );
}

/** A live session's user and role, through the cache with the database behind it; null if ended. */
export async function resolveSession(
  db: Kysely<Database>,
  cache: Cache,
  sessionId: string,
): Promise<{ userId: string; role: UserRole } | null> {
  const cached = await cache.get(key(sessionId));
  if (cached === REVOKED) return null;
  if (cached !== null) {
    const [userId, role, expires] = cached.split(' ');
    // An entry of another shape, or past the session's expiry, is checked in the database.
    if (userId && (role === 'user' || role === 'admin') && Number(expires) > Date.now()) {
      return { userId, role };
    }
  }
  const row = await findLiveSession(db, sessionId);
  if (!row) {
    await cache.add(key(sessionId), REVOKED, LIVE_TTL_SECONDS);
    return null;
  }
  // NX: a revocation written meanwhile must win over this (older) read.
  await cache.add(
    key(sessionId),
    liveEntry(row.user_id, row.role, row.expires_at),
    liveTtl(row.expires_at),
  );
  return { userId: row.user_id, role: row.role };
}

/**
 * Marks sessions ended in the cache, after the database change committed. The marker outlives
 * any cached "live" entry, so every instance refuses the session's access tokens at once.
 */
export async function markSessionsEnded(cache: Cache, sessionIds: string[]): Promise<void> {
  await Promise.all(sessionIds.map((id) => cache.set(key(id), REVOKED, LIVE_TTL_SECONDS * 2)));
}

/**
 * After a role change has committed: writes each live session's entry with the role now in the
 * database (overwriting any older fill), then re-checks liveness so that a logout racing in wins.
 */
export async function recacheUserSessions(
  db: Kysely<Database>,
  cache: Cache,
  userId: string,
): Promise<void> {
  const live = await liveSessionsOf(db, userId);
  await Promise.all(
    live.map((s) =>
      cache.set(key(s.id), liveEntry(userId, s.role, s.expires_at), liveTtl(s.expires_at)),
    ),
  );
  const still = new Set((await liveSessionsOf(db, userId)).map((s) => s.id));
  await markSessionsEnded(
    cache,
    live.filter((s) => !still.has(s.id)).map((s) => s.id),
  );
}
