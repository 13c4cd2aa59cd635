import type { Kysely } from 'kysely';
import type { TokenScope } from '../domain/actor.js';
import type { Cache } from '../platform/cache.js';
import { hashToken } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import type { UserRole } from '../users/users.table.js';
import { useToken } from './tokens.repository.js';

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
  const ttl = Math.min(
    LIVE_TTL_SECONDS,
    Math.floor((row.expires_at.getTime() - Date.now()) / 1000),
  );
  // NX: a revocation written meanwhile must win over this (older) read.
  if (ttl >= 1) {
    await cache.add(
      key(tokenHash),
      `${live.tokenId} ${live.userId} ${live.role} ${live.scopes.join(',')}`,
      ttl,
    );
  }
  return live;
}

/** After a revocation committed: every instance refuses the tokens at once. */
export async function markTokensRevoked(cache: Cache, tokenHashes: string[]): Promise<void> {
  await Promise.all(tokenHashes.map((h) => cache.set(key(h), REVOKED, LIVE_TTL_SECONDS * 2)));
}

/** After a user's role changed: their tokens' grants are read again from the database. */
export async function forgetTokens(cache: Cache, tokenHashes: string[]): Promise<void> {
  if (tokenHashes.length > 0) await cache.del(...tokenHashes.map(key));
}
