import type { Kysely } from 'kysely';
import type { TokenScope } from '../domain/actor.js';
import type { Cache } from '../platform/cache.js';
import { hashToken } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import type { UserRole } from '../users/users.table.js';
import { tokenStatesOf, useToken } from './tokens.repository.js';

const LIVE_TTL_SECONDS = 60;
const REVOKED = 'x';
const key = (tokenHash: string) => `pat:${tokenHash}`;

/** What a live personal access token grants. */
export interface TokenGrant {
  tokenId: string;
  userId: string;
  role: UserRole;
  scopes: TokenScope[];
}

/** How long a live entry may stay: at most a minute, and never past the token's expiry. */
const liveTtl = (expiresAt: Date) =>
  Math.min(LIVE_TTL_SECONDS, Math.floor((expiresAt.getTime() - Date.now()) / 1000));

const entryOf = (g: TokenGrant) => `${g.tokenId} ${g.userId} ${g.role} ${g.scopes.join(',')}`;

function parse(value: string): TokenGrant | null {
  const [tokenId, userId, role, scopes] = value.split(' ');
  if (!tokenId || !userId || (role !== 'user' && role !== 'admin') || scopes === undefined) {
    return null;
  }
  return { tokenId, userId, role, scopes: scopes.split(',') as TokenScope[] };
}

/**
 * A personal access token's grant, through the cache with the database behind it (which marks the
 * token used); null when it is unknown, revoked, expired or its user disabled. Like a session:
 * one cache read on most requests.
 */
export async function resolveToken(
  db: Kysely<Database>,
  cache: Cache,
  token: string,
): Promise<TokenGrant | null> {
  const tokenHash = hashToken(token);
  const cached = await cache.get(key(tokenHash));
  if (cached === REVOKED) return null;
  const grant = cached === null ? null : parse(cached);
  if (grant) return grant;
  const row = await useToken(db, tokenHash);
  if (!row) {
    await cache.add(key(tokenHash), REVOKED, LIVE_TTL_SECONDS);
    return null;
  }
  const live: TokenGrant = {
    tokenId: row.id,
    userId: row.user_id,
    role: row.role,
    scopes: row.scopes,
  };
  const ttl = liveTtl(row.expires_at);
  // NX: a revocation written meanwhile must win over this (older) read.
  if (ttl >= 1) {
    await cache.add(key(tokenHash), entryOf(live), ttl);
  }
  return live;
}

/** After a revocation committed: every instance refuses the tokens at once. */
export async function markTokensRevoked(cache: Cache, tokenHashes: string[]): Promise<void> {
  await Promise.all(tokenHashes.map((h) => cache.set(key(h), REVOKED, LIVE_TTL_SECONDS * 2)));
}

/**
 * After a user's role or state changed: each of their tokens' entries is overwritten with what
 * the database says now (an older fill racing in cannot stay: it only adds where nothing is).
 */
export async function recacheTokens(
  db: Kysely<Database>,
  cache: Cache,
  userId: string,
): Promise<void> {
  const rows = await tokenStatesOf(db, userId);
  await Promise.all(
    rows.map((row) => {
      const ttl = liveTtl(row.expires_at);
      if (row.disabled || ttl < 1)
        return cache.set(key(row.token_hash), REVOKED, LIVE_TTL_SECONDS * 2);
      const grant = { tokenId: row.id, userId, role: row.role, scopes: row.scopes };
      return cache.set(key(row.token_hash), entryOf(grant), ttl);
    }),
  );
}
