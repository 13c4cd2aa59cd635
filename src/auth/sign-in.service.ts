import type { Kysely } from 'kysely';
import { recordEvent } from '../audit/audit.service.js';
import { InvalidTokenError } from '../domain/errors.js';
import type { AnyContext } from '../domain/unit-of-work.js';
import {
  challengeFailed,
  challengePassed,
  lockSecondFactor,
  openChallenge,
  takeChallenge,
  totpEnabled,
  useSecondFactor,
  type SecondFactor,
} from '../mfa/mfa.service.js';
import type { Database } from '../platform/schema.js';
import { findUserById } from '../users/users.service.js';
import type { UserRow } from '../users/users.table.js';
import { assertMaySignIn, type AuthDeps } from './auth.service.js';
import { startSession, type AuthMethod, type NewSession } from './sessions.service.js';

/** Where a sign-in stands after its first step: signed in, or a second step to take. */
export type SignInStep =
  { kind: 'session'; session: NewSession } | { kind: 'mfa'; mfaToken: string };

/** How the first step went: its `amr`, and what the audit log calls it (`password`, `google` …). */
export interface FirstStep {
  amr: AuthMethod[];
  method: string;
}

/** Records a sign-in that started a session. */
function signedIn(
  tx: Kysely<Database>,
  ctx: AnyContext,
  userId: string,
  details: Record<string, unknown>,
): Promise<void> {
  return recordEvent(tx, ctx, {
    type: 'auth.login.succeeded',
    actorId: userId,
    targetType: 'user',
    targetId: userId,
    details,
  });
}

/**
 * After a first step that proved who this is (password, a provider, a passkey): a session, or,
 * for a user with TOTP on and a first step that is not a passkey, the second step's `mfaToken`.
 */
export async function beginSignIn(
  tx: Kysely<Database>,
  ctx: AnyContext,
  deps: AuthDeps,
  userId: string,
  first: FirstStep,
): Promise<SignInStep> {
  if (!first.amr.includes('webauthn') && (await totpEnabled(tx, userId))) {
    return { kind: 'mfa', mfaToken: await openChallenge(tx, userId, first.amr) };
  }
  const session = await startSession(tx, ctx, deps, userId, first.amr);
  await signedIn(tx, ctx, userId, { method: first.method, amr: first.amr });
  return { kind: 'session', session };
}

/** How a second step went; a failure is committed (its count, the audit entry) before the 401. */
export type SecondStepOutcome =
  { kind: 'session'; session: NewSession; user: UserRow } | { kind: 'failed'; ended: boolean };

/**
 * The second step of a sign-in: an open challenge and a TOTP code or recovery code that works
 * (each once). Wrong codes count against the challenge (5 end it) and toward the account's
 * lockout. An unknown, used, ended or expired `mfaToken` is 401 `invalid_token`.
 */
export async function completeSecondStep(
  tx: Kysely<Database>,
  ctx: AnyContext,
  deps: AuthDeps,
  input: { mfaToken: string } & SecondFactor,
): Promise<SecondStepOutcome> {
  const challenge = await takeChallenge(tx, input.mfaToken);
  if (!challenge) {
    throw new InvalidTokenError('The sign-in has expired or ended: sign in again');
  }
  const user = await findUserById(tx, challenge.userId);
  if (!user) throw new InvalidTokenError('The sign-in has expired or ended: sign in again');
  // Checks of this user's codes run one at a time: the lockout check sees every earlier failure.
  const totp = await lockSecondFactor(tx, user.id);
  const ip = ctx.client.ip ?? '';
  await deps.throttle.assertAllowed(user.email, ip);
  assertMaySignIn(deps, user);
  const used = await useSecondFactor(tx, ctx.enc, user.id, totp, input);
  if (!used) {
    const ended = await challengeFailed(tx, ctx, input.mfaToken, user.id);
    deps.counters.loginFailure();
    await deps.throttle.recordFailure(user.email, ip);
    return { kind: 'failed', ended };
  }
  await deps.throttle.recordSuccess(user.email);
  await challengePassed(tx, input.mfaToken);
  const amr = [...(challenge.amr as AuthMethod[]), 'otp' as const];
  const session = await startSession(tx, ctx, deps, user.id, amr);
  await signedIn(tx, ctx, user.id, { ...used, amr });
  return { kind: 'session', session, user };
}

/** A passkey sign-in's session (the passkey is both factors: no second step). */
export async function passkeySignIn(
  tx: Kysely<Database>,
  ctx: AnyContext,
  deps: AuthDeps,
  login: { userId: string; passkeyId: string },
): Promise<{ session: NewSession; user: UserRow }> {
  const user = await findUserById(tx, login.userId);
  if (!user) throw new InvalidTokenError();
  assertMaySignIn(deps, user);
  const session = await startSession(tx, ctx, deps, user.id, ['webauthn']);
  await signedIn(tx, ctx, user.id, {
    method: 'passkey',
    passkeyId: login.passkeyId,
    amr: ['webauthn'],
  });
  return { session, user };
}
