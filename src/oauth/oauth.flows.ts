import type { FastifyRequest } from 'fastify';
import {
  assertMaySignIn,
  loginFailed,
  type AuthDeps,
  type TokenResponse,
} from '../auth/auth.service.js';
import { signInFlow, type MfaRequired } from '../auth/auth.flows.js';
import { ConflictError, DomainError } from '../domain/errors.js';
import { anonymousRead, anonymousWork } from '../http/unit-of-work.js';
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
    try {
      assertMaySignIn(deps, user);
    } catch (err) {
      // Refused after the provider vouched for them (disabled, unverified): a failed sign-in.
      const reason = err instanceof DomainError ? err.code : 'refused';
      await anonymousRead(request, (db, ctx) =>
        loginFailed(db, ctx, user.id, { method: profile.provider, reason }),
      );
      throw err;
    }
    return user;
  };
}

/** A federated sign-in's answer: tokens, or (TOTP on) the second step. */
export function federatedResponse(
  request: FastifyRequest,
  deps: AuthDeps,
  user: UserRow,
  method: string,
): Promise<TokenResponse | MfaRequired> {
  return signInFlow(request, deps, user, { amr: ['fed'], method });
}

/**
 * Sign-in with an ID token the client already holds: verified, its user found or made, a session
 * started; counted once it has (success) or has failed (the error it ended with).
 */
export async function idTokenFlow(
  request: FastifyRequest,
  deps: OAuthDeps,
  input: { provider: string; idToken: string; nonce?: string | undefined },
): Promise<TokenResponse | MfaRequired> {
  const provider = providerOf(deps, input.provider);
  try {
    const user = await signInWithIdToken(provider, input, federatedSignIn(request, deps.auth));
    const response = await federatedResponse(request, deps.auth, user, provider.id);
    deps.counted(provider.id, 'success');
    return response;
  } catch (err) {
    deps.counted(provider.id, redirectErrorOf(err).error);
    throw err;
  }
}
