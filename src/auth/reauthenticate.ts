import type { Kysely } from 'kysely';
import {
  InsufficientScopeError,
  NotFoundError,
  ReauthenticationRequiredError,
} from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import { findUserById } from '../users/users.service.js';
import type { UserRow } from '../users/users.table.js';
import type { AuthDeps } from './auth.service.js';
import { verifyPassword } from './passwords.js';
import { sessionStartedAt } from './sessions.repository.js';

/** How recent a password-less account's sign-in must be for an act that needs proof of presence. */
export const RECENT_SIGN_IN_SECONDS = 5 * 60;

/**
 * Proof that the signed-in person is at the keyboard now, for an electronic signature: their
 * password (wrong ones count toward the login lockout, and a locked account answers 429), or, for
 * an account without one, a sign-in no older than five minutes. Otherwise 401
 * `reauthentication_required`. Answers the user. Run it outside the transaction of the act.
 */
export async function reauthenticate(
  db: Kysely<Database>,
  { actor, client }: Context,
  deps: Pick<AuthDeps, 'throttle' | 'counters'>,
  password: string | undefined,
): Promise<UserRow> {
  // A signature is a person's act: a personal access token cannot make one.
  if (actor.token)
    throw new InsufficientScopeError('Signing needs a signed-in person, not a token');
  const user = await findUserById(db, actor.userId);
  if (!user) throw new NotFoundError('User');
  if (user.password_hash === null) {
    const session = await sessionStartedAt(db, actor.sessionId);
    const age = session ? (session.now.getTime() - session.created_at.getTime()) / 1000 : Infinity;
    if (password !== undefined || age > RECENT_SIGN_IN_SECONDS) {
      throw new ReauthenticationRequiredError(
        'This account has no password: sign in again, then sign within 5 minutes',
      );
    }
    return user;
  }
  if (password === undefined || password === '') {
    throw new ReauthenticationRequiredError('Signing needs your password (`password`)');
  }
  const ip = client.ip ?? '';
  await deps.throttle.assertAllowed(user.email, ip);
  const { ok } = await verifyPassword(user.password_hash, password);
  if (!ok) {
    deps.counters.loginFailure();
    await deps.throttle.recordFailure(user.email, ip);
    throw new ReauthenticationRequiredError('The password is wrong');
  }
  await deps.throttle.recordSuccess(user.email);
  return user;
}
