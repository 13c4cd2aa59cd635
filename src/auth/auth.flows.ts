import type { FastifyRequest } from 'fastify';
import { InvalidTokenError } from '../domain/errors.js';
import { anonymousRead, anonymousWork } from '../http/unit-of-work.js';
import { findUserById, userRowToUser } from '../users/users.service.js';
import {
  prepareAccount,
  register,
  respond,
  verifyLogin,
  type AuthDeps,
  type TokenResponse,
} from './auth.service.js';
import {
  issueTokens,
  rotateRefreshToken,
  settleUsedRefreshToken,
  startSession,
} from './sessions.service.js';

/*
 * The sign-in flows, each a few units of work in a row: password hashing and verifying happen
 * before any transaction opens (on the embedded database a transaction holds its only
 * connection), and access tokens are signed after the commit.
 */

/** Registration: the password hashed first, then the account and its session in one transaction. */
export async function registerFlow(
  request: FastifyRequest,
  deps: AuthDeps,
  input: { email: string; password: string; name?: string | undefined },
): Promise<TokenResponse> {
  const account = await prepareAccount(deps, input);
  const { user, session } = await anonymousWork(request, (tx, ctx) =>
    register(tx, ctx, deps, account),
  );
  return respond(await issueTokens(deps, session), user);
}

/** Password login: the password checked without a transaction, then the session written. */
export async function loginFlow(
  request: FastifyRequest,
  deps: AuthDeps,
  input: { email: string; password: string },
): Promise<TokenResponse> {
  const user = await anonymousRead(request, (db, ctx) => verifyLogin(db, ctx, deps, input));
  const session = await anonymousWork(request, (tx, ctx) => startSession(tx, ctx, deps, user.id));
  return respond(await issueTokens(deps, session), userRowToUser(user));
}

/**
 * Refresh: the common case is one statement; a used token (a racing tab, or a replay that ends
 * the session) is settled in a transaction, and a replay answers 401 once that has committed.
 */
export async function refreshFlow(
  request: FastifyRequest,
  deps: AuthDeps,
  refreshToken: string,
): Promise<TokenResponse> {
  const outcome =
    (await anonymousRead(request, (db, ctx) => rotateRefreshToken(db, ctx, refreshToken))) ??
    (await anonymousWork(request, (tx, ctx) => settleUsedRefreshToken(tx, ctx, refreshToken)));
  if (outcome.kind === 'reused') {
    deps.counters.reuseDetected();
    throw new InvalidTokenError('The refresh token was already used; the session has been ended');
  }
  deps.counters.refreshed();
  const user =
    outcome.user ??
    (await anonymousRead(request, (db) => findUserById(db, outcome.session.userId)));
  if (!user) throw new InvalidTokenError();
  return respond(await issueTokens(deps, outcome.session), userRowToUser(user));
}
