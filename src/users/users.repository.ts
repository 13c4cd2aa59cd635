import { sql, type Kysely } from 'kysely';
import { EmailTakenError } from '../domain/errors.js';
import { isUniqueViolation } from '../platform/database.js';
import type { Database } from '../platform/schema.js';
import type { NewUserRow, UserRow, UserRowUpdate } from './users.table.js';

export async function insertUser(db: Kysely<Database>, row: NewUserRow): Promise<UserRow> {
  try {
    return await db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow();
  } catch (err) {
    if (isUniqueViolation(err)) throw new EmailTakenError();
    throw err;
  }
}

export function findUserById(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The user, locked until the transaction ends (for changes that must see its latest state). */
export function lockUser(db: Kysely<Database>, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function findUserByEmail(db: Kysely<Database>, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

/** Updates a user, bumping version and updated_at; returns the new row. */
export function updateUser(
  db: Kysely<Database>,
  id: string,
  changes: UserRowUpdate,
): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ ...changes, updated_at: sql`now()`, version: sql`version + 1` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Marks the e-mail verified; a second verification keeps the first time. */
export async function markEmailVerified(db: Kysely<Database>, id: string): Promise<void> {
  await db
    .updateTable('users')
    .set({
      email_verified_at: sql`coalesce(email_verified_at, now())`,
      updated_at: sql`now()`,
      version: sql`version + 1`,
    })
    .where('id', '=', id)
    .execute();
}

export async function deleteUser(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Ids of the active (not disabled) admins, locked until the transaction ends. */
export async function lockActiveAdminIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .forUpdate()
    .execute();
  return rows.map((r) => r.id);
}

/** A page of users ordered by id (UUIDv7: creation order), optionally filtered by e-mail. */
export function listUsers(
  db: Kysely<Database>,
  options: { after: string | null; limit: number; email: string | null },
): Promise<UserRow[]> {
  let query = db.selectFrom('users').selectAll().orderBy('id').limit(options.limit);
  if (options.after !== null) query = query.where('id', '>', options.after);
  if (options.email !== null) {
    const pattern = `%${options.email.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where(sql<string>`lower(email)`, 'like', pattern);
  }
  return query.execute();
}
