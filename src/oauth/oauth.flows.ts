import type { FastifyRequest } from 'fastify';
import {
  assertMaySignIn,
  respond,
  type AuthDeps,
  type TokenResponse,
} from '../auth/auth.service.js';
import { issueTokens, startSession } from '../auth/sessions.service.js';
import { ConflictError } from '../domain/errors.js';
import { anonymousWork } from '../http/unit-of-work.js';
import { userRowToUser } from '../users/users.service.js';
import type { UserRow } from '../users/users.table.js';
import { isSignInRace, resolveFederatedUser } from './federated-users.js';
import {
  providerOf,
  signInWithIdToken,
  type FederatedSignIn,
  type OAuthDeps,
} from './oauth.service.js';
import { redirectErrorOf } from './redirect-errors.js';

/**
 * A federated sign-in's own unit of work. Two first sign-ins of one person at once both try to
 * create it; the loser tries once more. A new user stays made even when it may not sign in yet.
 */
export function federatedSignIn(request: FastifyRequest, deps: AuthDeps): FederatedSignIn {
  return async (profile) => {
    // Read before the transaction: on embedded PostgreSQL it holds the only connection.
    const registrationOpen = await deps.registrationOpen();
    const attempt = () =>
      anonymousWork(request, (tx, ctx) =>
        resolveFederatedUser(tx, ctx, deps, profile, registrationOpen),
      );
    let user: UserRow;
    try {
      user = await attempt();
    } catch (err) {
      if (!isSignInRace(err)) throw err;
      try {
        user = await attempt();
      } catch (again) {
        if (isSignInRace(again)) {
          throw new ConflictError('Another sign-in changed this account; try again');
        }
        throw again;
      }
    }
    assertMaySignIn(deps, user);
    return user;
  };
}

/** A new session for a user who may sign in, as a token response. */
export async function sessionResponse(
  request: FastifyRequest,
  deps: AuthDeps,
  user: UserRow,
): Promise<TokenResponse> {
  const session = await anonymousWork(request, (tx, ctx) => startSession(tx, ctx, deps, user.id));
  return respond(await issueTokens(deps, session), userRowToUser(user));
}

/**
 * Sign-in with an ID token the client already holds: verified, its user found or made, a session
 * started; counted once it has (success) or has failed (the error it ended with).
 */
export async function idTokenFlow(
  request: FastifyRequest,
  deps: OAuthDeps,
  input: { provider: string; idToken: string; nonce?: string | undefined },
): Promise<TokenResponse> {
  const provider = providerOf(deps, input.provider);
  try {
    const user = await signInWithIdToken(provider, input, federatedSignIn(request, deps.auth));
    const response = await sessionResponse(request, deps.auth, user);
    deps.counted(provider.id, 'success');
    return response;
  } catch (err) {
    deps.counted(provider.id, redirectErrorOf(err).error);
    throw err;
  }
}
