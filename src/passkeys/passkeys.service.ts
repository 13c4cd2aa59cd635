import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { recordEvent } from '../audit/audit.service.js';
import {
  ConflictError,
  InvalidCredentialsError,
  LastSignInMethodError,
  NotFoundError,
  ValidationError,
} from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import { isUniqueViolation } from '../platform/database-errors.js';
import type { Database } from '../platform/schema.js';
import { findUserById, lockUser } from '../users/users.service.js';
import {
  consumeChallenge,
  deletePasskey,
  insertChallenge,
  insertPasskey,
  lockPasskeyByCredential,
  markPasskeyUsed,
  passkeysOf,
} from './passkeys.repository.js';
import type { PasskeyRow } from './passkeys.table.js';

/** Who the passkeys are for: the host of PUBLIC_URL, and the origins pages may call from. */
export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

/** How long a ceremony may take, from options to response. */
const CEREMONY_TIMEOUT_MS = 5 * 60 * 1000;

export interface Passkey {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

function toPasskey(row: PasskeyRow): Passkey {
  return { id: row.id, name: row.name, createdAt: row.created_at, lastUsedAt: row.last_used_at };
}

/** The WebAuthn user handle of a user: their id's bytes (no e-mail or name in it). */
const userHandleOf = (userId: string) => Uint8Array.from(Buffer.from(userId, 'utf8'));

/**
 * The check the library calls with the response's challenge: a live one of this purpose (and
 * user) is used up. A failure of the database there is kept, to be thrown as itself rather than
 * as a response that does not verify.
 */
function challengeStore(
  tx: Kysely<Database>,
  purpose: 'register' | 'login',
  userId: string | null,
) {
  const store = async (challenge: string) => {
    try {
      return await consumeChallenge(tx, challenge, purpose, userId);
    } catch (err) {
      store.failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  };
  store.failure = undefined as Error | undefined;
  return store;
}

/** A response the library could not verify: 400 for a registration. */
function unverifiable(err: unknown): ValidationError {
  const reason = err instanceof Error ? err.message : 'it did not verify';
  return new ValidationError(`The passkey response does not verify: ${reason}`, [
    { path: 'response', message: 'does not verify' },
  ]);
}

/** Options for `navigator.credentials.create`: a discoverable credential, user verification on. */
export async function registrationOptions(
  tx: Kysely<Database>,
  { actor }: Context,
  rp: RelyingParty,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await findUserById(tx, actor.userId);
  if (!user) throw new NotFoundError('User');
  const existing = await passkeysOf(tx, actor.userId);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name ?? user.email,
    userID: userHandleOf(user.id),
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({
      id: p.credential_id,
      transports: p.transports as AuthenticatorTransportFuture[],
    })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  await insertChallenge(tx, {
    challenge: options.challenge,
    user_id: actor.userId,
    purpose: 'register',
    expires_at: new Date(Date.now() + CEREMONY_TIMEOUT_MS),
  });
  return options;
}

/** Verifies a registration (origin, RP, its challenge used once) and stores the passkey. */
export async function addPasskey(
  tx: Kysely<Database>,
  ctx: Context,
  rp: RelyingParty,
  input: { name?: string | undefined; response: RegistrationResponseJSON },
): Promise<Passkey> {
  const { actor } = ctx;
  const expectedChallenge = challengeStore(tx, 'register', actor.userId);
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch (err) {
    if (expectedChallenge.failure !== undefined) throw expectedChallenge.failure;
    throw unverifiable(err);
  }
  if (!verification.verified) throw unverifiable(null);
  const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
  const count = (await passkeysOf(tx, actor.userId)).length;
  let row: PasskeyRow;
  try {
    row = await insertPasskey(tx, {
      id: uuidv7(),
      user_id: actor.userId,
      credential_id: credential.id,
      public_key: credential.publicKey,
      counter: String(credential.counter),
      transports: credential.transports ?? [],
      device_type: credentialDeviceType,
      backed_up: credentialBackedUp,
      name: input.name?.trim() || `Passkey ${count + 1}`,
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError('This passkey is registered already');
    throw err;
  }
  await recordEvent(tx, ctx, {
    type: 'user.passkey.added',
    targetType: 'passkey',
    targetId: row.id,
    details: { name: row.name, backedUp: row.backed_up },
  });
  return toPasskey(row);
}

/** Whether a user has a passkey (a way to sign in without a password). */
export async function hasPasskeys(db: Kysely<Database>, userId: string): Promise<boolean> {
  return (await passkeysOf(db, userId)).length > 0;
}

/** The caller's passkeys, oldest first. */
export async function listPasskeys(db: Kysely<Database>, { actor }: Context): Promise<Passkey[]> {
  return (await passkeysOf(db, actor.userId)).map(toPasskey);
}

/** Removes one of the caller's passkeys; another user's is "not found". */
export async function removePasskey(
  tx: Kysely<Database>,
  ctx: Context,
  passkeyId: string,
): Promise<void> {
  // The user row is locked, so that two removals (or an unlink) at once cannot remove every way.
  const user = await lockUser(tx, ctx.actor.userId);
  if (!user) throw new NotFoundError('User');
  const row = await deletePasskey(tx, ctx.actor.userId, passkeyId);
  if (!row) throw new NotFoundError('Passkey');
  const noOtherWay = user.password_hash === null && user.identity_providers.length === 0;
  if (noOtherWay && !(await hasPasskeys(tx, user.id))) throw new LastSignInMethodError();
  await recordEvent(tx, ctx, {
    type: 'user.passkey.removed',
    targetType: 'passkey',
    targetId: row.id,
    details: { name: row.name },
  });
}

/** Options for `navigator.credentials.get` with discoverable credentials: no user named. */
export async function loginOptions(
  tx: Kysely<Database>,
  rp: RelyingParty,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: [],
    userVerification: 'required',
    timeout: CEREMONY_TIMEOUT_MS,
  });
  await insertChallenge(tx, {
    challenge: options.challenge,
    user_id: null,
    purpose: 'login',
    expires_at: new Date(Date.now() + CEREMONY_TIMEOUT_MS),
  });
  return options;
}

/**
 * Verifies a passkey sign-in: a known credential, the user handle its owner's, origin and RP
 * right, a login challenge used once, user verification, and a signature counter that moved on
 * (where the authenticator keeps one). Answers the user's id; 401 `invalid_credentials` otherwise.
 */
export async function verifyPasskeyLogin(
  tx: Kysely<Database>,
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
): Promise<{ userId: string; passkeyId: string }> {
  const refused = new InvalidCredentialsError('The passkey was not accepted');
  const row = await lockPasskeyByCredential(tx, response.id);
  if (!row) throw refused;
  const handle = response.response.userHandle;
  if (
    handle !== undefined &&
    handle !== Buffer.from(userHandleOf(row.user_id)).toString('base64url')
  ) {
    throw refused;
  }
  const expectedChallenge = challengeStore(tx, 'login', null);
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: {
        id: row.credential_id,
        publicKey: new Uint8Array(row.public_key),
        counter: Number(row.counter),
        transports: row.transports as AuthenticatorTransportFuture[],
      },
      requireUserVerification: true,
    });
  } catch {
    if (expectedChallenge.failure !== undefined) throw expectedChallenge.failure;
    throw refused;
  }
  if (!verification.verified) throw refused;
  await markPasskeyUsed(tx, row.id, verification.authenticationInfo.newCounter);
  return { userId: row.user_id, passkeyId: row.id };
}
