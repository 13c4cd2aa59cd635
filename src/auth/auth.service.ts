import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { recordEvent } from '../audit/audit.service.js';
import {
  AccountDisabledError,
  DomainError,
  EmailNotVerifiedError,
  ForbiddenError,
  InvalidCredentialsError,
  NotFoundError,
  ValidationError,
} from '../domain/errors.js';
import type { AnyContext, Context, Effects } from '../domain/unit-of-work.js';
import { enqueueMail } from '../mail/outbox.js';
import { passwordResetMail, verificationMail } from '../mail/templates.js';
import type { Database } from '../platform/schema.js';
import { revokeAllTokens } from '../tokens/tokens.service.js';
import {
  dropUnprovenIdentities,
  findUserByEmail,
  findUserById,
  insertUser,
  markEmailVerified,
  updateUser,
  userRowToUser,
  type User,
} from '../users/users.service.js';
import type { UserRow } from '../users/users.table.js';
import type { LoginThrottle } from './login-throttle.js';
import { consumeOneTimeToken, createOneTimeToken } from './one-time-tokens.js';
import { acceptableHash, hashPassword, verifyPassword } from './passwords.js';
import {
  endSessions,
  startSession,
  type IssuedTokens,
  type NewSession,
  type SessionDeps,
} from './sessions.service.js';

/** What the account flows need besides the context: the auth plugin's settings and counters. */
export interface AuthDeps extends SessionDeps {
  throttle: LoginThrottle;
  appName: string;
  appUrl: string;
  requireEmailVerification: boolean;
  /** Whether self-registration is open right now. */
  registrationOpen(): Promise<boolean>;
  /** Wakes the mail worker (after a transaction that queued mail has committed). */
  mailQueued(): void;
  counters: { loginFailure(): void; refreshed(): void; reuseDetected(): void };
}

/** The token response of register, login, refresh and OAuth exchange. */
export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: User;
}

/** The token response for a freshly issued pair. */
export function respond(tokens: IssuedTokens, user: User): TokenResponse {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
    user,
  };
}

/** Records that mail was queued: once committed, the mail worker is woken. */
function mailQueued(effects: Effects, deps: Pick<AuthDeps, 'mailQueued'>): void {
  effects.afterCommit('mail-kick', () => deps.mailQueued());
}

/** Queues the mail with a link that confirms the address (single use, 24 hours). */
export async function queueVerificationMail(
  tx: Kysely<Database>,
  { enc, effects }: AnyContext,
  deps: AuthDeps,
  user: { id: string; email: string },
): Promise<void> {
  const token = await createOneTimeToken(tx, user.id, 'email_verification');
  const link = `${deps.appUrl}/verify-email?token=${encodeURIComponent(token)}`;
  await enqueueMail(tx, enc, { to: user.email, ...verificationMail(deps.appName, link) });
  mailQueued(effects, deps);
}

/** Whether this account may get tokens now, whichever way it signed in. */
export function assertMaySignIn(
  deps: Pick<AuthDeps, 'requireEmailVerification'>,
  user: { disabled_at: Date | null; email_verified_at: Date | null },
): void {
  if (user.disabled_at !== null) throw new AccountDisabledError();
  if (deps.requireEmailVerification && user.email_verified_at === null) {
    throw new EmailNotVerifiedError();
  }
}

/** A registration checked and its password hashed, ready for `register`. */
export interface NewAccount {
  email: string;
  name: string | null;
  passwordHash: string;
}

/** Checks that registration is open and the password acceptable, and hashes it. */
export async function prepareAccount(
  deps: AuthDeps,
  input: { email: string; password: string; name?: string | undefined },
): Promise<NewAccount> {
  if (!(await deps.registrationOpen())) throw new ForbiddenError('Registration is closed');
  return {
    email: input.email.trim(),
    name: input.name?.trim() || null,
    passwordHash: await acceptableHash(input.password),
  };
}

/** Creates an account with a password, queues the verification mail, and starts a session. */
export async function register(
  tx: Kysely<Database>,
  ctx: AnyContext,
  deps: AuthDeps,
  account: NewAccount,
): Promise<{ user: User; session: NewSession }> {
  const row = await insertUser(tx, {
    id: uuidv7(),
    email: account.email,
    name: account.name,
    password_hash: account.passwordHash,
  });
  await queueVerificationMail(tx, ctx, deps, row);
  const session = await startSession(tx, ctx, deps, row.id, ['pwd']);
  await recordEvent(tx, ctx, {
    type: 'user.registered',
    actorId: row.id,
    targetType: 'user',
    targetId: row.id,
  });
  return { user: userRowToUser(row), session };
}

/**
 * Checks a password login. Unknown e-mail and wrong password answer alike and take alike (a
 * dummy hash is verified); failures count towards a growing lockout per account and per IP.
 */
export async function verifyLogin(
  db: Kysely<Database>,
  ctx: AnyContext,
  deps: AuthDeps,
  input: { email: string; password: string },
): Promise<UserRow> {
  const ip = ctx.client.ip ?? '';
  await deps.throttle.assertAllowed(input.email, ip);
  const row = await findUserByEmail(db, input.email.trim());
  const { ok, needsRehash } = await verifyPassword(row?.password_hash ?? null, input.password);
  if (!row || !ok) {
    deps.counters.loginFailure();
    await deps.throttle.recordFailure(input.email, ip);
    await loginFailed(db, ctx, row?.id ?? null, {
      email: input.email.trim(),
      reason: row ? 'wrong_password' : 'unknown_email',
    });
    throw new InvalidCredentialsError('The e-mail or password is wrong');
  }
  // The failure count is cleared once the sign-in is complete (`loginFlow`): for a user with TOTP
  // that is after the second step, so a known password cannot buy endless code guesses.
  try {
    assertMaySignIn(deps, row);
  } catch (err) {
    const reason = err instanceof DomainError ? err.code : 'refused';
    await loginFailed(db, ctx, row.id, { email: row.email, reason });
    throw err;
  }
  if (needsRehash)
    await updateUser(db, row.id, { password_hash: await hashPassword(input.password) });
  return row;
}

/** Records a failed sign-in (on the database itself: nothing else is written). */
export function loginFailed(
  db: Kysely<Database>,
  ctx: AnyContext,
  userId: string | null,
  details: Record<string, unknown>,
): Promise<void> {
  return recordEvent(db, ctx, {
    type: 'auth.login.failed',
    actorId: userId,
    ...(userId === null ? {} : { targetType: 'user', targetId: userId }),
    details,
  });
}

/** Ends the caller's session, or all of their sessions. */
export async function logout(
  tx: Kysely<Database>,
  ctx: Context,
  which: 'this' | 'all',
): Promise<void> {
  const { userId, sessionId } = ctx.actor;
  await endSessions(tx, ctx.effects, which === 'all' ? { userId } : { userId, sessionId });
  await recordEvent(tx, ctx, {
    type: 'auth.logout',
    targetType: 'session',
    targetId: sessionId,
    details: { all: which === 'all' },
  });
}

/** Ends one of the caller's sessions by id; another user's session is "not found". */
export async function endOwnSession(
  tx: Kysely<Database>,
  ctx: Context,
  sessionId: string,
): Promise<void> {
  const ended = await endSessions(tx, ctx.effects, { userId: ctx.actor.userId, sessionId });
  if (ended === 0) throw new NotFoundError('Session');
  await recordEvent(tx, ctx, {
    type: 'auth.logout',
    targetType: 'session',
    targetId: sessionId,
    details: { ended: 'another session' },
  });
}

/** Queues a reset link if the account exists; answers the same either way. */
export async function forgotPassword(
  tx: Kysely<Database>,
  { enc, effects }: AnyContext,
  deps: AuthDeps,
  email: string,
): Promise<void> {
  const row = await findUserByEmail(tx, email.trim());
  if (!row || row.disabled_at !== null) return;
  const token = await createOneTimeToken(tx, row.id, 'password_reset');
  const link = `${deps.appUrl}/reset-password?token=${encodeURIComponent(token)}`;
  await enqueueMail(tx, enc, { to: row.email, ...passwordResetMail(deps.appName, link) });
  mailQueued(effects, deps);
}

/** Sets a new password (hashed by `acceptableHash`) with a reset token; ends every session and token. */
export async function resetPassword(
  tx: Kysely<Database>,
  ctx: AnyContext,
  input: { token: string; passwordHash: string },
): Promise<void> {
  const userId = await consumeOneTimeToken(tx, input.token, 'password_reset');
  if (userId === null) {
    throw new ValidationError('The reset token is invalid, used or expired', [
      { path: 'token', message: 'is invalid, used or expired' },
    ]);
  }
  const row = await findUserById(tx, userId);
  // Following the mailed link proves the mailbox, so the address counts as verified.
  await updateUser(tx, userId, {
    password_hash: input.passwordHash,
    email_verified_at: row?.email_verified_at ?? new Date(),
  });
  // Whoever holds the mailbox takes the account back: a provider identity that never proved
  // this address (someone signing up with another's e-mail) loses its way in.
  await dropUnprovenIdentities(tx, userId);
  await endSessions(tx, ctx.effects, { userId });
  await revokeAllTokens(tx, ctx, userId, 'password_reset');
  await recordEvent(tx, ctx, {
    type: 'user.password.changed',
    actorId: userId,
    targetType: 'user',
    targetId: userId,
    details: { via: 'reset' },
  });
}

/** Confirms an e-mail address with its single-use token. */
export async function verifyEmail(tx: Kysely<Database>, token: string): Promise<void> {
  const userId = await consumeOneTimeToken(tx, token, 'email_verification');
  if (userId === null) {
    throw new ValidationError('The verification token is invalid, used or expired', [
      { path: 'token', message: 'is invalid, used or expired' },
    ]);
  }
  await markEmailVerified(tx, userId);
}

/** Sends the caller a fresh verification link, unless the address is already verified. */
export async function resendVerification(
  tx: Kysely<Database>,
  ctx: Context,
  deps: AuthDeps,
): Promise<void> {
  const row = await findUserById(tx, ctx.actor.userId);
  if (!row || row.email_verified_at !== null) return;
  await queueVerificationMail(tx, ctx, deps, row);
}
