import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { recordEvent } from '../audit/audit.service.js';
import { InvalidTokenError } from '../domain/errors.js';
import type { AnyContext, Context, Effects } from '../domain/unit-of-work.js';
import { hashToken, randomToken } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import type { UserRow } from '../users/users.table.js';
import type { AccessTokens } from './access-tokens.js';
import { markSessionsEnded, recacheUserSessions } from './session-cache.js';
import {
  insertRefreshToken,
  insertSession,
  listLiveSessions,
  lockRefreshToken,
  revokeSessions,
  rotateUnusedRefreshToken,
} from './sessions.repository.js';

/** Two tabs refreshing with the same token within this window both get the new pair. */
const REFRESH_RACE_GRACE_SECONDS = 10;

/** What sessions need besides the context: the token signer and how long a session lives. */
export interface SessionDeps {
  tokens: AccessTokens;
  refreshTtlSeconds: number;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  userId: string;
  sessionId: string;
}

export interface NewSession {
  userId: string;
  sessionId: string;
  refreshToken: string;
  /** How the session signed in: `pwd`, `otp`, `webauthn`, `fed`. */
  amr: readonly AuthMethod[];
}

/** The authentication methods of RFC 8176 that sessions record (`fed`: a provider's sign-in). */
export type AuthMethod = 'pwd' | 'otp' | 'webauthn' | 'fed';

/**
 * Writes a new session and its first refresh token, in the caller's transaction; sign the access
 * token with `issueTokens` after the commit (never hold a connection while signing).
 */
export async function startSession(
  tx: Kysely<Database>,
  { client }: AnyContext,
  deps: SessionDeps,
  userId: string,
  amr: readonly AuthMethod[],
): Promise<NewSession> {
  const sessionId = uuidv7();
  const refreshToken = randomToken();
  await insertSession(tx, {
    id: sessionId,
    user_id: userId,
    ip: client.ip,
    user_agent: client.userAgent?.slice(0, 512) ?? null,
    expires_at: new Date(Date.now() + deps.refreshTtlSeconds * 1000),
    amr: [...amr],
  });
  await insertRefreshToken(tx, sessionId, hashToken(refreshToken));
  return { userId, sessionId, refreshToken, amr };
}

/** Signs the access token of a started session. */
export async function issueTokens(deps: SessionDeps, session: NewSession): Promise<IssuedTokens> {
  return {
    accessToken: await deps.tokens.sign(session.userId, session.sessionId, session.amr),
    refreshToken: session.refreshToken,
    tokenType: 'Bearer',
    expiresIn: deps.tokens.ttlSeconds,
    userId: session.userId,
    sessionId: session.sessionId,
  };
}

/** How a refresh ended: a new pair (and the user when it was read on the way), or reuse. */
export type RefreshOutcome =
  { kind: 'rotated' | 'raced'; session: NewSession; user: UserRow | null } | { kind: 'reused' };

/**
 * The common case of a refresh, in one statement: an unused token of a live session is used and
 * its successor stored. Null: not that case (see `settleUsedRefreshToken`).
 */
export async function rotateRefreshToken(
  db: Kysely<Database>,
  { client, enc }: AnyContext,
  refreshToken: string,
): Promise<RefreshOutcome | null> {
  const next = randomToken();
  const rotated = await rotateUnusedRefreshToken(db, {
    tokenHash: hashToken(refreshToken),
    nextHash: hashToken(next),
    graceSeconds: REFRESH_RACE_GRACE_SECONDS,
    nextEnc: enc.encrypt(next),
    ip: client.ip,
    userAgent: client.userAgent?.slice(0, 512) ?? null,
  });
  if (!rotated) return null;
  const { session_id: sessionId, session_amr: amr, ...user } = rotated;
  return {
    kind: 'rotated',
    session: { userId: user.id, sessionId, refreshToken: next, amr: amr as AuthMethod[] },
    user,
  };
}

/**
 * A token that was not an unused one of a live session: a racing tab (within the grace window,
 * the pair the first refresh produced), a replay (the whole session is revoked), or nothing valid.
 */
export async function settleUsedRefreshToken(
  tx: Kysely<Database>,
  ctx: AnyContext,
  refreshToken: string,
): Promise<RefreshOutcome> {
  const row = await lockRefreshToken(tx, hashToken(refreshToken));
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
    const successor = ctx.enc.decrypt(row.successor_enc);
    return {
      kind: 'raced',
      session: {
        userId: row.user_id,
        sessionId: row.session_id,
        refreshToken: successor,
        amr: row.amr as AuthMethod[],
      },
      user: null,
    };
  }
  await endSessions(tx, ctx.effects, { userId: row.user_id, sessionId: row.session_id });
  await recordEvent(tx, ctx, {
    type: 'auth.refresh.reused',
    actorId: row.user_id,
    targetType: 'session',
    targetId: row.session_id,
  });
  return { kind: 'reused' };
}

/**
 * Records that sessions ended: once committed, their mark in the cache outlives any cached "live"
 * entry, so every instance refuses their access tokens at once.
 */
function sessionsEnded(effects: Effects, sessionIds: string[]): void {
  if (sessionIds.length === 0) return;
  effects.afterCommit('sessions-ended', ({ cache }) => markSessionsEnded(cache, sessionIds));
}

/**
 * Records that a user's role changed: once committed, their live sessions carry the new role on
 * every instance.
 */
export function roleChanged(effects: Effects, userId: string): void {
  effects.afterCommit('role-changed', ({ db, cache }) => recacheUserSessions(db, cache, userId));
}

/** Ends sessions of a user (one, all, or all but one); returns how many ended. */
export async function endSessions(
  tx: Kysely<Database>,
  effects: Effects,
  where: { userId: string; sessionId?: string; exceptSessionId?: string },
): Promise<number> {
  const ended = await revokeSessions(tx, where);
  sessionsEnded(effects, ended);
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

/** The caller's live sessions, newest first, marking their own. */
export async function listSessions(
  db: Kysely<Database>,
  { actor }: Context,
): Promise<SessionView[]> {
  const rows = await listLiveSessions(db, actor.userId);
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    userAgent: r.user_agent,
    ip: r.ip,
    current: r.id === actor.sessionId,
  }));
}
