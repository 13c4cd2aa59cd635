import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import {
  AppError,
  ConflictError,
  InvalidTokenError,
  NotFoundError,
  ValidationError,
} from '../errors.js';
import { enqueueMail } from '../mail/outbox.js';
import { dropUnprovenIdentities } from '../oauth/oauth.repository.js';
import { passwordResetMail, verificationMail } from '../mail/templates.js';
import type { Database } from '../platform/schema.js';
import {
  EmailTakenError,
  findUserByEmail,
  findUserById,
  insertUser,
  markEmailVerified,
  updateUser,
} from '../users/users.repository.js';
import { userRowToUser, type User } from '../users/users.service.js';
import type { LoginThrottle } from './login-throttle.js';
import { consumeOneTimeToken, createOneTimeToken } from './one-time-tokens.js';
import { assertAcceptablePassword, hashPassword, verifyPassword } from './passwords.js';
import { markSessionsEnded } from './session-cache.js';
import { revokeSessions } from './sessions.repository.js';
import {
  endSessions,
  refreshSession,
  issueTokens,
  startSession,
  type ClientInfo,
  type IssuedTokens,
  type SessionDeps,
} from './sessions.service.js';

/** What the account flows need besides the database. */
export interface AuthDeps extends SessionDeps {
  throttle: LoginThrottle;
  appName: string;
  appUrl: string;
  requireEmailVerification: boolean;
  /** Whether self-registration is open right now. */
  registrationOpen(): Promise<boolean>;
  /** Called after a transaction that queued mail has committed. */
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

/** Queues the mail with a link that confirms the address (single use, 24 hours). */
export async function queueVerificationMail(
  db: Kysely<Database>,
  deps: AuthDeps,
  userId: string,
  email: string,
): Promise<void> {
  const token = await createOneTimeToken(db, userId, 'email_verification');
  const link = `${deps.appUrl}/verify-email?token=${encodeURIComponent(token)}`;
  await enqueueMail(db, deps.encryptor, { to: email, ...verificationMail(deps.appName, link) });
}

/** Whether this account may get tokens now, whichever way it signed in. */
export function assertMaySignIn(
  deps: Pick<AuthDeps, 'requireEmailVerification'>,
  user: { disabled_at: Date | null; email_verified_at: Date | null },
): void {
  if (user.disabled_at !== null) throw new AppError('account_disabled', 'This account is disabled');
  if (deps.requireEmailVerification && user.email_verified_at === null) {
    throw new AppError('email_not_verified', 'Confirm your e-mail address first');
  }
}

/** Creates an account with a password, queues the verification mail, and signs it in. */
export async function register(
  db: Kysely<Database>,
  deps: AuthDeps,
  input: { email: string; password: string; name?: string | undefined },
  client: ClientInfo,
): Promise<TokenResponse> {
  if (!(await deps.registrationOpen())) throw new AppError('forbidden', 'Registration is closed');
  assertAcceptablePassword(input.password);
  const passwordHash = await hashPassword(input.password);
  try {
    const { row, session } = await db.transaction().execute(async (trx) => {
      const row = await insertUser(trx, {
        id: uuidv7(),
        email: input.email.trim(),
        name: input.name?.trim() || null,
        password_hash: passwordHash,
      });
      await queueVerificationMail(trx, deps, row.id, row.email);
      const session = await startSession(trx, deps, row.id, client);
      return { row, session };
    });
    deps.mailQueued();
    return respond(await issueTokens(deps, session), userRowToUser(row));
  } catch (err) {
    if (err instanceof EmailTakenError)
      throw new ConflictError('An account with this e-mail already exists');
    throw err;
  }
}

/**
 * Password login. Unknown e-mail and wrong password answer alike and take alike (a dummy hash is
 * verified); failures count towards a growing lockout per account and per IP.
 */
export async function login(
  db: Kysely<Database>,
  deps: AuthDeps,
  input: { email: string; password: string },
  client: ClientInfo & { ip: string },
): Promise<TokenResponse> {
  await deps.throttle.assertAllowed(input.email, client.ip);
  const row = await findUserByEmail(db, input.email.trim());
  const { ok, needsRehash } = await verifyPassword(row?.password_hash ?? null, input.password);
  if (!row || !ok) {
    deps.counters.loginFailure();
    await deps.throttle.recordFailure(input.email, client.ip);
    throw new AppError('invalid_credentials', 'The e-mail or password is wrong');
  }
  await deps.throttle.recordSuccess(input.email);
  assertMaySignIn(deps, row);
  if (needsRehash)
    await updateUser(db, row.id, { password_hash: await hashPassword(input.password) });
  const session = await db.transaction().execute((trx) => startSession(trx, deps, row.id, client));
  return respond(await issueTokens(deps, session), userRowToUser(row));
}

/** Rotates a refresh token; reuse of a rotated one revokes the session. */
export async function refresh(
  db: Kysely<Database>,
  deps: AuthDeps,
  refreshToken: string,
  client: ClientInfo,
): Promise<TokenResponse> {
  const outcome = await refreshSession(db, deps, refreshToken, client);
  if (outcome.kind === 'reused') {
    deps.counters.reuseDetected();
    throw new InvalidTokenError('The refresh token was already used; the session has been ended');
  }
  deps.counters.refreshed();
  const row = outcome.user ?? (await findUserById(db, outcome.tokens.userId));
  if (!row) throw new InvalidTokenError();
  return respond(outcome.tokens, userRowToUser(row));
}

/** Ends one of the caller's sessions by id; another user's session is "not found". */
export async function endOwnSession(
  db: Kysely<Database>,
  deps: AuthDeps,
  userId: string,
  sessionId: string,
): Promise<void> {
  const ended = await endSessions(db, deps.cache, { userId, sessionId });
  if (ended === 0) throw new NotFoundError('Session');
}

/** Queues a reset link if the account exists; answers the same either way. */
export async function forgotPassword(
  db: Kysely<Database>,
  deps: AuthDeps,
  email: string,
): Promise<void> {
  const row = await findUserByEmail(db, email.trim());
  if (!row || row.disabled_at !== null) return;
  await db.transaction().execute(async (trx) => {
    const token = await createOneTimeToken(trx, row.id, 'password_reset');
    const link = `${deps.appUrl}/reset-password?token=${encodeURIComponent(token)}`;
    await enqueueMail(trx, deps.encryptor, {
      to: row.email,
      ...passwordResetMail(deps.appName, link),
    });
  });
  deps.mailQueued();
}

/** Sets a new password with a reset token (single use) and ends every session. */
export async function resetPassword(
  db: Kysely<Database>,
  deps: AuthDeps,
  input: { token: string; password: string },
): Promise<void> {
  assertAcceptablePassword(input.password);
  const passwordHash = await hashPassword(input.password);
  const ended = await db.transaction().execute(async (trx) => {
    const userId = await consumeOneTimeToken(trx, input.token, 'password_reset');
    if (userId === null) {
      throw new ValidationError('The reset token is invalid, used or expired', [
        { path: 'token', message: 'is invalid, used or expired' },
      ]);
    }
    const row = await findUserById(trx, userId);
    // Following the mailed link proves the mailbox, so the address counts as verified.
    await updateUser(trx, userId, {
      password_hash: passwordHash,
      email_verified_at: row?.email_verified_at ?? new Date(),
    });
    // Whoever holds the mailbox takes the account back: a provider identity that never proved
    // this address (someone signing up with another's e-mail) loses its way in.
    await dropUnprovenIdentities(trx, userId);
    return revokeSessions(trx, { userId });
  });
  await markSessionsEnded(deps.cache, ended);
}

/** Confirms an e-mail address with its single-use token. */
export async function verifyEmail(db: Kysely<Database>, token: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const userId = await consumeOneTimeToken(trx, token, 'email_verification');
    if (userId === null) {
      throw new ValidationError('The verification token is invalid, used or expired', [
        { path: 'token', message: 'is invalid, used or expired' },
      ]);
    }
    await markEmailVerified(trx, userId);
  });
}

/** Sends a fresh verification link, unless the address is already verified. */
export async function resendVerification(
  db: Kysely<Database>,
  deps: AuthDeps,
  userId: string,
): Promise<void> {
  const row = await findUserById(db, userId);
  if (!row || row.email_verified_at !== null) return;
  await db.transaction().execute((trx) => queueVerificationMail(trx, deps, row.id, row.email));
  deps.mailQueued();
}
