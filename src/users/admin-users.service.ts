import type { Kysely } from 'kysely';
import { markSessionsEnded, recacheUserSessions } from '../auth/session-cache.js';
import { revokeSessions } from '../auth/sessions.repository.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import type { Cache } from '../platform/cache.js';
import type { Database } from '../platform/schema.js';
import { findUserById, listUsers, lockActiveAdminIds, updateUser } from './users.repository.js';
import type { UserRow, UserRole } from './users.table.js';
import { userRowToUser, type User } from './users.service.js';

export type AdminUser = User & { disabled: boolean };

function toAdminUser(row: UserRow): AdminUser {
  return { ...userRowToUser(row), disabled: row.disabled_at !== null };
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

/**
 * Changes a user's role or disables them. Disabling ends their sessions at once; a role change
 * reaches their live sessions at once. The last active admin cannot be demoted or disabled.
 */
export async function adminUpdateUser(
  db: Kysely<Database>,
  cache: Cache,
  actor: { userId: string },
  userId: string,
  input: { role?: UserRole | undefined; disabled?: boolean | undefined },
): Promise<AdminUser> {
  const { row, ended } = await db.transaction().execute(async (trx) => {
    const current = await findUserById(trx, userId);
    if (!current) throw new NotFoundError('User');
    const losesAdmin =
      current.role === 'admin' &&
      current.disabled_at === null &&
      (input.role === 'user' || input.disabled === true);
    // Locking every active admin serializes concurrent demotions: two admins demoting each other
    // (or themselves) at once cannot leave none.
    if (losesAdmin && (await lockActiveAdminIds(trx)).every((id) => id === userId)) {
      throw new ConflictError(
        userId === actor.userId
          ? 'The last administrator cannot demote or disable themself'
          : 'The last administrator cannot be demoted or disabled',
      );
    }
    const disabledAt =
      input.disabled === undefined
        ? undefined
        : input.disabled
          ? (current.disabled_at ?? new Date())
          : null;
    const row = await updateUser(trx, userId, {
      ...(input.role !== undefined ? { role: input.role } : {}),
      ...(disabledAt !== undefined ? { disabled_at: disabledAt } : {}),
    });
    if (!row) throw new NotFoundError('User');
    const ended = input.disabled === true ? await revokeSessions(trx, { userId }) : [];
    return { row, ended };
  });
  await markSessionsEnded(cache, ended);
  if (input.role !== undefined) await recacheUserSessions(db, cache, userId);
  return toAdminUser(row);
}
