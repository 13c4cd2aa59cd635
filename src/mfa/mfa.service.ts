import type { Kysely } from 'kysely';
import { recordEvent } from '../audit/audit.service.js';
import { ConflictError, InvalidMfaCodeError, NotFoundError } from '../domain/errors.js';
import type { AnyContext, Context } from '../domain/unit-of-work.js';
import type { Encryptor } from '../platform/crypto.js';
import { hashToken, randomToken } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import { findUserById } from '../users/users.service.js';
import {
  deleteTotp,
  endChallenge,
  failChallenge,
  insertChallenge,
  lockOpenChallenge,
  lockTotp,
  replaceRecoveryCodes,
  totpEnabled,
  totpEnabledAt,
  updateTotp,
  upsertPendingTotp,
  useRecoveryCode,
} from './mfa.repository.js';
import type { TotpCredentialRow } from './mfa.table.js';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.js';
import { matchingStep, newTotpSecret, otpauthUrl } from './totp.js';

/** How long the second step of a sign-in may take. */
const CHALLENGE_TTL_SECONDS = 5 * 60;
/** Wrong codes that end a challenge: the sign-in starts over (and the lockout counts on). */
const MAX_CHALLENGE_FAILURES = 5;

/** What proves the second step: a code from the authenticator app, or a recovery code. */
export type SecondFactor = { code: string } | { recoveryCode: string };

/** The second-step methods a user with TOTP has. */
export const MFA_METHODS = ['totp', 'recovery_code'] as const;

export { totpEnabled };

/** Starts a TOTP enrolment: a new secret, pending until `confirmTotp`; 409 while TOTP is on. */
/** Whether the caller signs in with TOTP, and since when (the account page shows it). */
export async function totpState(
  db: Kysely<Database>,
  { actor }: Context,
): Promise<{ enabled: boolean; enabledAt: Date | null }> {
  const enabledAt = await totpEnabledAt(db, actor.userId);
  return { enabled: enabledAt !== null, enabledAt };
}

export async function startTotp(
  tx: Kysely<Database>,
  { actor, enc }: Context,
  issuer: string,
): Promise<{ secret: string; otpauthUrl: string }> {
  const user = await findUserById(tx, actor.userId);
  if (!user) throw new NotFoundError('User');
  const secret = newTotpSecret();
  if (!(await upsertPendingTotp(tx, actor.userId, enc.encrypt(secret)))) {
    throw new ConflictError('TOTP is on already: turn it off before enrolling again');
  }
  return { secret, otpauthUrl: otpauthUrl(secret, issuer, user.email) };
}

/**
 * Accepts a TOTP code of the user's secret (its row locked by the caller) once: a code of a step
 * no later than the last accepted one (the same code again, or an older one) is refused.
 */
async function acceptTotpCode(
  tx: Kysely<Database>,
  enc: Encryptor,
  row: TotpCredentialRow,
  code: string,
): Promise<boolean> {
  const enabling = row.enabled_at === null;
  const step = matchingStep(enc.decrypt(row.secret_enc), code.trim());
  if (step === null || (row.last_step !== null && step <= Number(row.last_step))) return false;
  await updateTotp(tx, row.user_id, {
    last_step: step,
    ...(enabling ? { enabled_at: new Date() } : {}),
  });
  return true;
}

/** Confirms a pending enrolment with a first code: TOTP is on, and ten recovery codes are made. */
export async function confirmTotp(
  tx: Kysely<Database>,
  ctx: Context,
  code: string,
): Promise<{ recoveryCodes: string[] }> {
  const pending = await lockTotp(tx, ctx.actor.userId);
  if (!pending) throw new ConflictError('Start the enrolment first (POST /users/me/mfa/totp)');
  if (pending.enabled_at !== null) throw new ConflictError('TOTP is on already');
  if (!(await acceptTotpCode(tx, ctx.enc, pending, code))) {
    throw new InvalidMfaCodeError('The code does not match: check the clock of the device');
  }
  const recoveryCodes = newRecoveryCodes();
  await replaceRecoveryCodes(tx, ctx.actor.userId, recoveryCodes.map(recoveryCodeHash));
  await recordEvent(tx, ctx, {
    type: 'user.mfa.enabled',
    targetType: 'user',
    targetId: ctx.actor.userId,
    details: { method: 'totp' },
  });
  return { recoveryCodes };
}

/** A user's TOTP, locked by `lockSecondFactor`; undefined when they have none. */
export type LockedSecondFactor = TotpCredentialRow | undefined;

/**
 * Checks a second factor of a user with TOTP on (locked by `lockSecondFactor`), using it up: a
 * TOTP code once, a recovery code once. Returns which kind it was (and how many recovery codes
 * are left), or null when wrong.
 */
export async function useSecondFactor(
  tx: Kysely<Database>,
  enc: Encryptor,
  userId: string,
  totp: LockedSecondFactor,
  factor: SecondFactor,
): Promise<{ method: 'totp' } | { method: 'recovery_code'; recoveryCodesLeft: number } | null> {
  if ('code' in factor) {
    const on = totp !== undefined && totp.enabled_at !== null;
    return on && (await acceptTotpCode(tx, enc, totp, factor.code)) ? { method: 'totp' } : null;
  }
  const left = await useRecoveryCode(tx, userId, recoveryCodeHash(factor.recoveryCode));
  return left === null ? null : { method: 'recovery_code', recoveryCodesLeft: left };
}

/** What counts wrong codes toward the account's lockout: the login throttle. */
export interface Lockout {
  assertAllowed(email: string, ip: string): Promise<void>;
  recordFailure(email: string, ip: string): Promise<void>;
}

/**
 * Holds the user's second factor locked until the commit: checks of a code (and of the lockout
 * before it) run one at a time per user, so concurrent guesses cannot all pass a lockout check.
 */
export function lockSecondFactor(
  tx: Kysely<Database>,
  userId: string,
): Promise<LockedSecondFactor> {
  return lockTotp(tx, userId);
}

/**
 * Turns TOTP off with a current code or a recovery code; the recovery codes go with it. A wrong
 * code is recorded and counts toward the lockout like a wrong password, and answers false (the
 * caller answers 401 once that has committed).
 */
export async function disableTotp(
  tx: Kysely<Database>,
  ctx: Context,
  lockout: Lockout,
  factor: SecondFactor,
): Promise<boolean> {
  const { userId } = ctx.actor;
  const user = await findUserById(tx, userId);
  const totp = await lockSecondFactor(tx, userId);
  if (!user || !totp || totp.enabled_at === null) throw new NotFoundError('TOTP');
  const ip = ctx.client.ip ?? '';
  await lockout.assertAllowed(user.email, ip);
  const used = await useSecondFactor(tx, ctx.enc, userId, totp, factor);
  if (!used) {
    await recordEvent(tx, ctx, {
      type: 'auth.mfa.failed',
      targetType: 'user',
      targetId: userId,
      details: { action: 'disable_totp' },
    });
    await lockout.recordFailure(user.email, ip);
    return false;
  }
  await deleteTotp(tx, userId);
  await recordEvent(tx, ctx, {
    type: 'user.mfa.disabled',
    targetType: 'user',
    targetId: userId,
    details: { method: 'totp', with: used.method },
  });
  return true;
}

/** An administrator turns a user's TOTP off (a lost phone, no codes left). Returns whether it was on. */
export async function resetMfa(
  tx: Kysely<Database>,
  ctx: Context,
  userId: string,
): Promise<boolean> {
  const removed = await deleteTotp(tx, userId);
  if (removed) {
    await recordEvent(tx, ctx, {
      type: 'user.mfa.disabled',
      targetType: 'user',
      targetId: userId,
      details: { method: 'totp', by: 'admin' },
    });
  }
  return removed;
}

/** Opens the second step of a sign-in: the `mfaToken` (5 minutes) that `/auth/mfa/verify` takes. */
export async function openChallenge(
  tx: Kysely<Database>,
  userId: string,
  amr: readonly string[],
): Promise<string> {
  const token = randomToken();
  await insertChallenge(tx, {
    token_hash: hashToken(token),
    user_id: userId,
    amr: [...amr],
    expires_at: new Date(Date.now() + CHALLENGE_TTL_SECONDS * 1000),
  });
  return token;
}

/** An open challenge, locked: its user and first step; null when unknown, ended or expired. */
export async function takeChallenge(
  tx: Kysely<Database>,
  mfaToken: string,
): Promise<{ userId: string; amr: string[] } | null> {
  const row = await lockOpenChallenge(tx, hashToken(mfaToken));
  return row ? { userId: row.user_id, amr: row.amr } : null;
}

/** Counts a wrong code against a challenge; returns whether that ended it. */
export async function challengeFailed(
  tx: Kysely<Database>,
  ctx: AnyContext,
  mfaToken: string,
  userId: string,
): Promise<boolean> {
  const ended = await failChallenge(tx, hashToken(mfaToken), MAX_CHALLENGE_FAILURES);
  await recordEvent(tx, ctx, {
    type: 'auth.mfa.failed',
    actorId: userId,
    targetType: 'user',
    targetId: userId,
    details: ended ? { challengeEnded: true } : {},
  });
  return ended;
}

/** Ends a challenge that succeeded: its token works once. */
export async function challengePassed(tx: Kysely<Database>, mfaToken: string): Promise<void> {
  await endChallenge(tx, hashToken(mfaToken));
}
