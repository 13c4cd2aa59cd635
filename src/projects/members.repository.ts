import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { ProjectRole } from './projects.table.js';

export interface MemberRow {
  user_id: string;
  email: string;
  name: string | null;
  role: ProjectRole;
}

export async function insertMember(
  db: Kysely<Database>,
  row: { project_id: string; user_id: string; role: ProjectRole },
): Promise<boolean> {
  const inserted = await db
    .insertInto('project_members')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'user_id']).doNothing())
    .returning('user_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Members with their e-mail and name, keyset by user id. */
export function listMemberRows(
  db: Kysely<Database>,
  projectId: string,
  options: { afterUserId: string | null; limit: number },
): Promise<MemberRow[]> {
  let query = db
    .selectFrom('project_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'u.email', 'u.name', 'm.role'])
    .where('m.project_id', '=', projectId)
    .orderBy('m.user_id')
    .limit(options.limit);
  if (options.afterUserId !== null) query = query.where('m.user_id', '>', options.afterUserId);
  return query.execute();
}

export function findMemberRow(
  db: Kysely<Database>,
  projectId: string,
  userId: string,
): Promise<MemberRow | undefined> {
  return db
    .selectFrom('project_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'u.email', 'u.name', 'm.role'])
    .where('m.project_id', '=', projectId)
    .where('m.user_id', '=', userId)
    .executeTakeFirst();
}

export async function updateMemberRole(
  db: Kysely<Database>,
  projectId: string,
  userId: string,
  role: ProjectRole,
): Promise<void> {
  await db
    .updateTable('project_members')
    .set({ role })
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .execute();
}

export async function deleteMemberRow(
  db: Kysely<Database>,
  projectId: string,
  userId: string,
): Promise<void> {
  await db
    .deleteFrom('project_members')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .execute();
}

export async function countOwners(db: Kysely<Database>, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('project_members')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('project_id', '=', projectId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
