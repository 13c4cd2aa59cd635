import type { Kysely } from 'kysely';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import { NotFoundError } from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import { findUserById, listUsers, updateUser } from './users.repository.js';
import type { UserRow, UserRole } from './users.table.js';

// The user records other features read and write (the rules about them live with those features).
export {
  findUserByEmail,
  findUserById,
  insertUser,
  lockActiveAdminIds,
  lockUser,
  markEmailVerified,
  updateUser,
  deleteUser,
} from './users.repository.js';
export {
  deleteIdentity,
  dropUnprovenIdentities,
  findIdentity,
  insertIdentity,
  touchIdentity,
} from './identities.repository.js';

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

/** A user as administrators see it. */
export type AdminUser = User & { disabled: boolean };

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

/** Maps a row to the user administrators see. */
export function toAdminUser(row: UserRow): AdminUser {
  return { ...userRowToUser(row), disabled: row.disabled_at !== null };
}

/** The signed-in user. */
export async function getUser(db: Kysely<Database>, { actor }: Context): Promise<User> {
  const row = await findUserById(db, actor.userId);
  if (!row) throw new NotFoundError('User');
  return userRowToUser(row);
}

/** Changes the caller's own name or avatar (one statement); nothing else is writable here. */
export async function updateProfile(
  db: Kysely<Database>,
  { actor }: Context,
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
      ? await findUserById(db, actor.userId)
      : await updateUser(db, actor.userId, changes);
  if (!row) throw new NotFoundError('User');
  return userRowToUser(row);
}

/** A page of users for administrators, filtered by e-mail substring. */
export async function listUsersPage(
  db: Kysely<Database>,
  query: { limit: number; cursor?: string | undefined; email?: string | undefined },
): Promise<{ data: AdminUser[]; nextCursor: string | null }> {
  const after = decodeCursor(query.cursor, 'uuid');
  const rows = await listUsers(db, {
    after,
    limit: query.limit + 1,
    email: query.email ?? null,
  });
  return pageOf(rows, query.limit, toAdminUser, (r) => r.id);
}
