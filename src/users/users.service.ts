import type { Kysely } from 'kysely';
import { markSessionsEnded } from '../auth/session-cache.js';
import { revokeSessions } from '../auth/sessions.repository.js';
import { assertAcceptablePassword, hashPassword, verifyPassword } from '../auth/passwords.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Cache } from '../platform/cache.js';
import { releaseProjectsOf } from '../projects/projects.service.js';
import type { Database } from '../platform/schema.js';
import { v7 as uuidv7 } from 'uuid';
import {
  deleteUser,
  EmailTakenError,
  findUserById,
  insertUser,
  updateUser,
} from './users.repository.js';
import type { UserRow, UserRole } from './users.table.js';

/** A user as the API shows it. */
export interface User {
  id: string;
  email: string;
  emailVerified: boolean;
  name: string | null;
  avatarUrl: string | null;
  role: UserRole;
  providers: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** Maps a row to the API's user. */
export function userRowToUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified_at !== null,
    name: row.name,
    avatarUrl: row.avatar_url,
    role: row.role,
    providers: [...(row.password_hash !== null ? ['password'] : []), ...row.identity_providers],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function getUser(db: Kysely<Database>, userId: string): Promise<User> {
  const row = await findUserById(db, userId);
  if (!row) throw new NotFoundError('User');
  return userRowToUser(row);
}

/** Creates a user directly (the `gilla user create` command): e-mail counts as verified. */
export async function createUserWithPassword(
  db: Kysely<Database>,
  input: { email: string; password: string; name: string | null; role: UserRole },
): Promise<User> {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email)) {
    throw new ValidationError('email is invalid', [
      { path: 'email', message: 'is not an e-mail address' },
    ]);
  }
  assertAcceptablePassword(input.password);
  try {
    const row = await insertUser(db, {
      id: uuidv7(),
      email: input.email,
      name: input.name,
      role: input.role,
      password_hash: await hashPassword(input.password),
      email_verified_at: new Date(),
    });
    return userRowToUser(row);
  } catch (err) {
    if (err instanceof EmailTakenError)
      throw new ConflictError('An account with this e-mail already exists');
    throw err;
  }
}

/** Changes the caller's own name or avatar; nothing else is writable here. */
export async function updateProfile(
  db: Kysely<Database>,
  userId: string,
  input: { name?: string | null; avatarUrl?: string | null },
): Promise<User> {
  const changes = {
    ...(input.name !== undefined
      ? { name: input.name === null ? null : input.name.trim() || null }
      : {}),
    ...(input.avatarUrl !== undefined ? { avatar_url: input.avatarUrl } : {}),
  };
  const row =
    Object.keys(changes).length === 0
      ? await findUserById(db, userId)
      : await updateUser(db, userId, changes);
  if (!row) throw new NotFoundError('User');
  return userRowToUser(row);
}

/** Changes the caller's password after checking the current one; ends every other session. */
export async function changePassword(
  db: Kysely<Database>,
  cache: Cache,
  actor: { userId: string; sessionId: string },
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const row = await findUserById(db, actor.userId);
  if (!row) throw new NotFoundError('User');
  const { ok } = await verifyPassword(row.password_hash, input.currentPassword);
  if (!ok) {
    throw new ValidationError('currentPassword is wrong', [
      { path: 'currentPassword', message: 'is wrong' },
    ]);
  }
  assertAcceptablePassword(input.newPassword, 'newPassword');
  const hash = await hashPassword(input.newPassword);
  const ended = await db.transaction().execute(async (trx) => {
    await updateUser(trx, actor.userId, { password_hash: hash });
    return revokeSessions(trx, { userId: actor.userId, exceptSessionId: actor.sessionId });
  });
  await markSessionsEnded(cache, ended);
}

/** Deletes the caller's account (and, by cascade, everything it owns); the password is required when set. */
export async function deleteAccount(
  db: Kysely<Database>,
  cache: Cache,
  actor: { userId: string },
  password: string | undefined,
): Promise<void> {
  const row = await findUserById(db, actor.userId);
  if (!row) throw new NotFoundError('User');
  if (row.password_hash !== null) {
    const { ok } = await verifyPassword(row.password_hash, password ?? '');
    if (!ok) throw new AppError('invalid_credentials', 'The password is wrong');
  }
  const ended = await db.transaction().execute(async (trx) => {
    await releaseProjectsOf(trx, actor.userId);
    const ids = await revokeSessions(trx, { userId: actor.userId });
    await deleteUser(trx, actor.userId);
    return ids;
  });
  await markSessionsEnded(cache, ended);
}
