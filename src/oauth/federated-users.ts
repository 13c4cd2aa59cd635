import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { assertMaySignIn, queueVerificationMail, type AuthDeps } from '../auth/auth.service.js';
import { AppError, ConflictError, ValidationError } from '../errors.js';
import { isUniqueViolation } from '../platform/database.js';
import type { Database } from '../platform/schema.js';
import {
  EmailTakenError,
  findUserByEmail,
  findUserById,
  insertUser,
} from '../users/users.repository.js';
import type { UserRow } from '../users/users.table.js';
import { findIdentity, insertIdentity, touchIdentity } from './oauth.repository.js';
import type { FederatedProfile } from './provider.js';

function isRace(err: unknown): boolean {
  return isUniqueViolation(err) || err instanceof EmailTakenError;
}

/** Two first sign-ins of one person at once both try to create it; the loser tries again. */
async function once<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!isRace(err)) throw err;
  }
  try {
    return await run();
  } catch (err) {
    if (isRace(err)) throw new ConflictError('Another sign-in changed this account; try again');
    throw err;
  }
}

/**
 * The user a federated sign-in is for. Known (provider, subject): its user. Otherwise an account
 * with the same e-mail is linked only when both the provider and we have verified that address;
 * with no such account a new one is made (when registration is open).
 */
export async function signInFederated(
  db: Kysely<Database>,
  deps: AuthDeps,
  profile: FederatedProfile,
): Promise<UserRow> {
  // Read before the transaction: on embedded PostgreSQL it holds the only connection.
  const registrationOpen = await deps.registrationOpen();
  const { user, mailQueued } = await once(() =>
    db.transaction().execute((trx) => resolveUser(trx, deps, profile, registrationOpen)),
  );
  if (mailQueued) deps.mailQueued();
  // After the transaction: a new user stays made even when it may not sign in yet.
  assertMaySignIn(deps, user);
  return user;
}

async function resolveUser(
  trx: Kysely<Database>,
  deps: AuthDeps,
  profile: FederatedProfile,
  registrationOpen: boolean,
): Promise<{ user: UserRow; mailQueued: boolean }> {
  const known = await knownIdentityUser(trx, profile);
  if (known) return { user: known, mailQueued: false };
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
    if (raced) return { user: raced, mailQueued: false };
    if (!profile.emailVerified || existing.email_verified_at === null) {
      throw new ConflictError(
        'An account with this e-mail already exists; sign in to it and link the provider there',
      );
    }
    if (existing.identity_providers.includes(profile.provider)) {
      throw new ConflictError(`This account is already linked to another ${profile.provider} user`);
    }
    return { user: await addIdentity(trx, existing.id, profile), mailQueued: false };
  }
  if (!registrationOpen) throw new AppError('forbidden', 'Registration is closed');
  const created = await insertUser(trx, {
    id: uuidv7(),
    email: profile.email,
    name: profile.name?.slice(0, 200) ?? null,
    avatar_url: profile.avatarUrl?.slice(0, 2048) ?? null,
    password_hash: null,
    email_verified_at: profile.emailVerified ? new Date() : null,
  });
  const user = await addIdentity(trx, created.id, profile);
  if (!profile.emailVerified) await queueVerificationMail(trx, deps, created.id, created.email);
  return { user, mailQueued: !profile.emailVerified };
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
  if (!user) throw new AppError('invalid_credentials', 'The account no longer exists');
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
  if (!user) throw new AppError('invalid_credentials', 'The account no longer exists');
  return user;
}
