import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { queueVerificationMail, type AuthDeps } from '../auth/auth.service.js';
import {
  ConflictError,
  EmailTakenError,
  ForbiddenError,
  InvalidCredentialsError,
  ValidationError,
} from '../domain/errors.js';
import type { AnyContext } from '../domain/unit-of-work.js';
import { isUniqueViolation } from '../platform/database.js';
import type { Database } from '../platform/schema.js';
import {
  findIdentity,
  findUserByEmail,
  findUserById,
  insertIdentity,
  insertUser,
  touchIdentity,
} from '../users/users.service.js';
import type { UserRow } from '../users/users.table.js';
import type { FederatedProfile } from './provider.js';

/** Whether a federated sign-in lost a race with another first sign-in of the same person. */
export function isSignInRace(err: unknown): boolean {
  return isUniqueViolation(err) || err instanceof EmailTakenError;
}

/**
 * The user a federated sign-in is for. Known (provider, subject): its user. Otherwise an account
 * with the same e-mail is linked only when both the provider and we have verified that address;
 * with no such account a new one is made (when registration is open).
 */
export async function resolveFederatedUser(
  trx: Kysely<Database>,
  ctx: AnyContext,
  deps: AuthDeps,
  profile: FederatedProfile,
  registrationOpen: boolean,
): Promise<UserRow> {
  const known = await knownIdentityUser(trx, profile);
  if (known) return known;
  if (profile.email === null) {
    throw new ValidationError(`${profile.provider} did not share an e-mail address`, [
      { path: 'email', message: 'the provider shared none' },
    ]);
  }
  const existing = await findUserByEmail(trx, profile.email);
  if (existing) {
    // A first sign-in racing this one may have made this user and linked this very identity
    // after the lookup above; this statement sees what that one committed.
    const raced = await knownIdentityUser(trx, profile);
    if (raced) return raced;
    if (!profile.emailVerified || existing.email_verified_at === null) {
      throw new ConflictError(
        'An account with this e-mail already exists; sign in to it and link the provider there',
      );
    }
    if (existing.identity_providers.includes(profile.provider)) {
      throw new ConflictError(`This account is already linked to another ${profile.provider} user`);
    }
    return addIdentity(trx, existing.id, profile);
  }
  if (!registrationOpen) throw new ForbiddenError('Registration is closed');
  const created = await insertUser(trx, {
    id: uuidv7(),
    email: profile.email,
    name: profile.name?.slice(0, 200) ?? null,
    avatar_url: profile.avatarUrl?.slice(0, 2048) ?? null,
    password_hash: null,
    email_verified_at: profile.emailVerified ? new Date() : null,
  });
  const user = await addIdentity(trx, created.id, profile);
  if (!profile.emailVerified) await queueVerificationMail(trx, ctx, deps, created);
  return user;
}

/** The user of an identity already linked to (provider, issuer, subject), its details refreshed. */
async function knownIdentityUser(
  trx: Kysely<Database>,
  profile: FederatedProfile,
): Promise<UserRow | null> {
  const identity = await findIdentity(trx, profile);
  if (!identity) return null;
  await touchIdentity(trx, identity.id, {
    email: profile.email,
    email_verified: profile.emailVerified,
  });
  const user = await findUserById(trx, identity.user_id);
  if (!user) throw new InvalidCredentialsError('The account no longer exists');
  return user;
}

/** Links the identity to the user; returns the user as linked (its providers kept by the database). */
async function addIdentity(
  trx: Kysely<Database>,
  userId: string,
  profile: FederatedProfile,
): Promise<UserRow> {
  await insertIdentity(trx, {
    id: uuidv7(),
    user_id: userId,
    provider: profile.provider,
    issuer: profile.issuer,
    subject: profile.subject,
    email: profile.email,
    email_verified: profile.emailVerified,
  });
  const user = await findUserById(trx, userId);
  if (!user) throw new InvalidCredentialsError('The account no longer exists');
  return user;
}
