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
  markRefreshTokenUsed,
  revokeSessions,
  touchSession,
} from './sessions.repository.js';

/** Two tabs refreshing with the same token within this window both get the new pair. */
export const REFRESH_RACE_GRACE_SECONDS = 10;

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

/** Starts a session for a user who just proved who they are. Runs inside the caller's transaction or not. */
export async function startSession(
  db: Kysely<Database>,
  deps: SessionDeps,
  userId: string,
  client: ClientInfo,
): Promise<IssuedTokens> {
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
  return issue(deps, userId, sessionId, refreshToken);
}

export type RefreshOutcome =
  { kind: 'rotated' | 'raced'; tokens: IssuedTokens } | { kind: 'reused' };

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
  const outcome = await db
    .transaction()
    .execute(
      async (
        trx,
      ): Promise<RefreshOutcome | { kind: 'revoke'; userId: string; sessionId: string }> => {
        const row = await lockRefreshToken(trx, tokenHash);
        if (
          !row ||
          row.revoked_at !== null ||
          row.expires_at <= row.now ||
          row.disabled_at !== null
        ) {
          throw new InvalidTokenError('The refresh token is not valid');
        }
        if (row.used_at === null) {
          const next = randomToken();
          await insertRefreshToken(trx, row.session_id, hashToken(next));
          await markRefreshTokenUsed(trx, tokenHash, deps.encryptor.encrypt(next));
          await touchSession(trx, row.session_id, client);
          return { kind: 'rotated', tokens: await issue(deps, row.user_id, row.session_id, next) };
        }
        const sinceUse = (row.now.getTime() - row.used_at.getTime()) / 1000;
        if (sinceUse <= REFRESH_RACE_GRACE_SECONDS && row.successor_enc !== null) {
          const successor = deps.encryptor.decrypt(row.successor_enc);
          return {
            kind: 'raced',
            tokens: await issue(deps, row.user_id, row.session_id, successor),
          };
        }
        await revokeSessions(trx, { userId: row.user_id, sessionId: row.session_id });
        return { kind: 'revoke', userId: row.user_id, sessionId: row.session_id };
      },
    );
  if (outcome.kind === 'revoke') {
    await markSessionsEnded(deps.cache, [outcome.sessionId]);
    return { kind: 'reused' };
  }
  return outcome;
}

/** Ends sessions of a user (one, all, or all but one) in the database, then in the cache. */
export async function endSessions(
  db: Kysely<Database>,
  cache: Cache,
  where: { userId: string; sessionId?: string; exceptSessionId?: string },
): Promise<number> {
  const ended = await revokeSessions(db, where);
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
