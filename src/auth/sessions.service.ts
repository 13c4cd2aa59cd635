import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { InvalidTokenError } from '../errors.js';
import type { Cache } from '../platform/cache.js';
import { hashToken, randomToken, type Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import type { AccessTokens } from './access-tokens.js';
import { markSessionsEnded } from './session-cache.js';
import {
  insertRefreshToken,
  insertSession,
  listLiveSessions,
  lockRefreshToken,
  revokeSessions,
  rotateUnusedRefreshToken,
} from './sessions.repository.js';
import type { UserRow } from '../users/users.table.js';

/** Two tabs refreshing with the same token within this window both get the new pair. */
const REFRESH_RACE_GRACE_SECONDS = 10;

export interface SessionDeps {
  tokens: AccessTokens;
  cache: Cache;
  encryptor: Encryptor;
  refreshTtlSeconds: number;
}

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  userId: string;
  sessionId: string;
}

async function issue(
  deps: SessionDeps,
  userId: string,
  sessionId: string,
  refreshToken: string,
): Promise<IssuedTokens> {
  return {
    accessToken: await deps.tokens.sign(userId, sessionId),
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: deps.tokens.ttlSeconds,
    userId,
    sessionId,
  };
}

export interface NewSession {
  userId: string;
  sessionId: string;
  refreshToken: string;
}

/**
 * Writes a new session and its first refresh token; run it inside a transaction, and sign the
 * access token with `issueTokens` after the commit (never hold a connection while signing).
 */
export async function startSession(
  db: Kysely<Database>,
  deps: SessionDeps,
  userId: string,
  client: ClientInfo,
): Promise<NewSession> {
  const sessionId = uuidv7();
  const refreshToken = randomToken();
  await insertSession(db, {
    id: sessionId,
    user_id: userId,
    ip: client.ip,
    user_agent: client.userAgent?.slice(0, 512) ?? null,
    expires_at: new Date(Date.now() + deps.refreshTtlSeconds * 1000),
  });
  await insertRefreshToken(db, sessionId, hashToken(refreshToken));
  return { userId, sessionId, refreshToken };
}

/** Signs the access token of a started session. */
export function issueTokens(deps: SessionDeps, session: NewSession): Promise<IssuedTokens> {
  return issue(deps, session.userId, session.sessionId, session.refreshToken);
}

export type RefreshOutcome =
  { kind: 'rotated' | 'raced'; tokens: IssuedTokens; user: UserRow | null } | { kind: 'reused' };

/**
 * Rotates a refresh token. A token already rotated within the grace window yields the pair the
 * first refresh produced; later, it is reuse: the whole session is revoked.
 */
export async function refreshSession(
  db: Kysely<Database>,
  deps: SessionDeps,
  refreshToken: string,
  client: ClientInfo,
): Promise<RefreshOutcome> {
  const tokenHash = hashToken(refreshToken);
  const next = randomToken();
  const rotated = await rotateUnusedRefreshToken(db, {
    tokenHash,
    nextHash: hashToken(next),
    graceSeconds: REFRESH_RACE_GRACE_SECONDS,
    nextEnc: deps.encryptor.encrypt(next),
    ip: client.ip,
    userAgent: client.userAgent?.slice(0, 512) ?? null,
  });
  if (rotated) {
    const { session_id: sessionId, ...user } = rotated;
    return { kind: 'rotated', tokens: await issue(deps, user.id, sessionId, next), user };
  }
  // Not an unused token of a live session: a racing tab, a replay, or nothing valid at all.
  const outcome = await db.transaction().execute(async (trx) => {
    const row = await lockRefreshToken(trx, tokenHash);
    if (
      !row ||
      row.used_at === null ||
      row.revoked_at !== null ||
      row.expires_at <= row.now ||
      row.disabled_at !== null
    ) {
      throw new InvalidTokenError('The refresh token is not valid');
    }
    const sinceUse = (row.now.getTime() - row.used_at.getTime()) / 1000;
    if (sinceUse <= REFRESH_RACE_GRACE_SECONDS && row.successor_enc !== null) {
      return { kind: 'raced' as const, row, successor: deps.encryptor.decrypt(row.successor_enc) };
    }
    await revokeSessions(trx, { userId: row.user_id, sessionId: row.session_id });
    return { kind: 'revoke' as const, row };
  });
  if (outcome.kind === 'revoke') {
    await markSessionsEnded(deps.cache, [outcome.row.session_id]);
    return { kind: 'reused' };
  }
  const tokens = await issue(deps, outcome.row.user_id, outcome.row.session_id, outcome.successor);
  return { kind: 'raced', tokens, user: null };
}

/** Ends sessions of a user (one, all, or all but one) in the database, then in the cache. */
export async function endSessions(
  db: Kysely<Database>,
  cache: Cache,
  where: { userId: string; sessionId?: string; exceptSessionId?: string },
): Promise<number> {
  const ended = await db.transaction().execute((trx) => revokeSessions(trx, where));
  await markSessionsEnded(cache, ended);
  return ended.length;
}

export interface SessionView {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

/** The user's live sessions, newest first, marking the caller's own. */
export async function listSessions(
  db: Kysely<Database>,
  userId: string,
  currentSessionId: string,
): Promise<SessionView[]> {
  const rows = await listLiveSessions(db, userId);
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    userAgent: r.user_agent,
    ip: r.ip,
    current: r.id === currentSessionId,
  }));
}
