import type { FastifyRequest } from 'fastify';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { DomainError, InvalidMfaCodeError, InvalidTokenError } from '../domain/errors.js';
import { anonymousRead, anonymousWork } from '../http/unit-of-work.js';
import { MFA_METHODS, type SecondFactor } from '../mfa/mfa.service.js';
import { verifyPasskeyLogin, type RelyingParty } from '../passkeys/passkeys.service.js';
import { findUserById, userRowToUser } from '../users/users.service.js';
import type { UserRow } from '../users/users.table.js';
import {
  loginFailed,
  prepareAccount,
  register,
  respond,
  verifyLogin,
  type AuthDeps,
  type TokenResponse,
} from './auth.service.js';
import { issueTokens, rotateRefreshToken, settleUsedRefreshToken } from './sessions.service.js';
import {
  beginSignIn,
  completeSecondStep,
  passkeySignIn,
  type FirstStep,
} from './sign-in.service.js';

/*
 * The sign-in flows, each a few units of work in a row: password hashing and verifying happen
 * before any transaction opens (on the embedded database a transaction holds its only
 * connection), and access tokens are signed after the commit.
 */

/** What a sign-in of a user with TOTP answers instead of tokens. */
export interface MfaRequired {
  mfaRequired: true;
  mfaToken: string;
  methods: string[];
}

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

/**
 * After a first step proved who this is: a token response, or (TOTP on) the second step to take.
 * Password login and every federated sign-in end here.
 */
export async function signInFlow(
  request: FastifyRequest,
  deps: AuthDeps,
  user: UserRow,
  first: FirstStep,
): Promise<TokenResponse | MfaRequired> {
  const step = await anonymousWork(request, (tx, ctx) =>
    beginSignIn(tx, ctx, deps, user.id, first),
  );
  if (step.kind === 'mfa') {
    return { mfaRequired: true, mfaToken: step.mfaToken, methods: [...MFA_METHODS] };
  }
  return respond(await issueTokens(deps, step.session), userRowToUser(user));
}

/** Password login: the password checked (one hash verification) without a transaction. */
export async function loginFlow(
  request: FastifyRequest,
  deps: AuthDeps,
  input: { email: string; password: string },
): Promise<TokenResponse | MfaRequired> {
  const user = await anonymousRead(request, (db, ctx) => verifyLogin(db, ctx, deps, input));
  const answer = await signInFlow(request, deps, user, { amr: ['pwd'], method: 'password' });
  if (!('mfaRequired' in answer)) await deps.throttle.recordSuccess(input.email);
  return answer;
}

/** The second step: a wrong code is counted (committed), then answered 401 `invalid_mfa_code`. */
export async function mfaVerifyFlow(
  request: FastifyRequest,
  deps: AuthDeps,
  input: { mfaToken: string } & SecondFactor,
): Promise<TokenResponse> {
  const outcome = await anonymousWork(request, (tx, ctx) =>
    completeSecondStep(tx, ctx, deps, input),
  );
  if (outcome.kind === 'failed') {
    throw new InvalidMfaCodeError(
      outcome.ended
        ? 'The code is wrong; that was the last try: sign in again'
        : 'The code is wrong or was used already',
    );
  }
  return respond(await issueTokens(deps, outcome.session), userRowToUser(outcome.user));
}

/** Passkey sign-in: the assertion verified and the session started in one transaction. */
export async function passkeyLoginFlow(
  request: FastifyRequest,
  deps: AuthDeps,
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
): Promise<TokenResponse> {
  try {
    const { session, user } = await anonymousWork(request, async (tx, ctx) =>
      passkeySignIn(tx, ctx, deps, await verifyPasskeyLogin(tx, rp, response)),
    );
    return respond(await issueTokens(deps, session), userRowToUser(user));
  } catch (err) {
    if (err instanceof DomainError) {
      deps.counters.loginFailure();
      await anonymousRead(request, (db, ctx) =>
        loginFailed(db, ctx, null, { method: 'passkey', reason: err.code }),
      );
    }
    throw err;
  }
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
