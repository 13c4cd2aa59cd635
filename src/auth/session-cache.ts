import type { Kysely } from 'kysely';
import type { Cache } from '../platform/cache.js';
import type { Database } from '../platform/schema.js';
import type { UserRole } from '../users/users.table.js';
import { findLiveSession, liveSessionsOf } from './sessions.repository.js';

const LIVE_TTL_SECONDS = 60;
const REVOKED = 'x';
const key = (sessionId: string) => `sess:${sessionId}`;

/** How long a live entry may stay: at most a minute, and never past the session's expiry. */
function liveTtl(expiresAt: Date): number {
  return Math.min(LIVE_TTL_SECONDS, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
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
    const [userId, role] = cached.split(' ');
    if (userId && (role === 'user' || role === 'admin')) return { userId, role };
  }
  const row = await findLiveSession(db, sessionId);
  if (!row) {
    await cache.add(key(sessionId), REVOKED, LIVE_TTL_SECONDS);
    return null;
  }
  // NX: a revocation written meanwhile must win over this (older) read. In its last second a
  // session is not cached at all.
  const ttl = liveTtl(row.expires_at);
  if (ttl >= 1) await cache.add(key(sessionId), `${row.user_id} ${row.role}`, ttl);
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
    live.map((s) => {
      const ttl = liveTtl(s.expires_at);
      return ttl >= 1 ? cache.set(key(s.id), `${userId} ${s.role}`, ttl) : cache.del(key(s.id));
    }),
  );
  const still = new Set((await liveSessionsOf(db, userId)).map((s) => s.id));
  await markSessionsEnded(
    cache,
    live.filter((s) => !still.has(s.id)).map((s) => s.id),
  );
}
