import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { recordEvent } from '../audit/audit.service.js';
import { endSessions } from '../auth/sessions.service.js';
import { revokeAllTokens } from '../tokens/tokens.service.js';
import { acceptableHash, verifyPassword } from '../auth/passwords.js';
import { InvalidCredentialsError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import { releaseProjectsOf } from '../projects/projects.service.js';
import {
  deleteUser,
  findUserById,
  insertUser,
  updateUser,
  userRowToUser,
  type User,
} from '../users/users.service.js';
import type { UserRole } from '../users/users.table.js';

/**
 * Checks the caller's current password and hashes the new one, before any transaction opens;
 * the hash is what `changePassword` stores.
 */
export async function checkPasswordChange(
  db: Kysely<Database>,
  { actor }: Context,
  input: { currentPassword: string; newPassword: string },
): Promise<string> {
  const row = await findUserById(db, actor.userId);
  if (!row) throw new NotFoundError('User');
  const { ok } = await verifyPassword(row.password_hash, input.currentPassword);
  if (!ok) {
    throw new ValidationError('currentPassword is wrong', [
      { path: 'currentPassword', message: 'is wrong' },
    ]);
  }
  return acceptableHash(input.newPassword, 'newPassword');
}

/** Stores the caller's new password hash, ends every other session and revokes every token. */
export async function changePassword(
  tx: Kysely<Database>,
  ctx: Context,
  passwordHash: string,
): Promise<void> {
  const { actor, effects } = ctx;
  await updateUser(tx, actor.userId, { password_hash: passwordHash });
  await endSessions(tx, effects, { userId: actor.userId, exceptSessionId: actor.sessionId });
  await revokeAllTokens(tx, ctx, actor.userId, 'password_change');
  await recordEvent(tx, ctx, {
    type: 'user.password.changed',
    targetType: 'user',
    targetId: actor.userId,
    details: { via: 'change' },
  });
}

/** Checks the password an account deletion needs (none when the account has no password). */
export async function checkDeletion(
  db: Kysely<Database>,
  { actor }: Context,
  password: string | undefined,
): Promise<void> {
  const row = await findUserById(db, actor.userId);
  if (!row) throw new NotFoundError('User');
  if (row.password_hash === null) return;
  const { ok } = await verifyPassword(row.password_hash, password ?? '');
  if (!ok) throw new InvalidCredentialsError('The password is wrong');
}

/**
 * Deletes the caller's account: the projects only it is in go with it (409 while it is the last
 * owner of a shared one), its sessions end, and the rest goes by cascade.
 */
export async function deleteAccount(tx: Kysely<Database>, ctx: Context): Promise<void> {
  const { userId } = ctx.actor;
  await releaseProjectsOf(tx, ctx.effects, userId);
  await endSessions(tx, ctx.effects, { userId });
  await revokeAllTokens(tx, ctx, userId, 'account_deleted');
  await recordEvent(tx, ctx, { type: 'user.deleted', targetType: 'user', targetId: userId });
  await deleteUser(tx, userId);
}

/** Creates a user directly (the `gilla user create` command): e-mail counts as verified. */
export async function createUserWithPassword(
  tx: Kysely<Database>,
  input: { email: string; passwordHash: string; name: string | null; role: UserRole },
): Promise<User> {
  const row = await insertUser(tx, {
    id: uuidv7(),
    email: input.email,
    name: input.name,
    role: input.role,
    password_hash: input.passwordHash,
    email_verified_at: new Date(),
  });
  return userRowToUser(row);
}

/** An e-mail address as `gilla user create` accepts it, or a 400 naming `email`. */
export function assertEmail(email: string): void {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new ValidationError('email is invalid', [
      { path: 'email', message: 'is not an e-mail address' },
    ]);
  }
}
