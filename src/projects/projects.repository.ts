import { sql, type Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { ProjectRole, ProjectRow } from './projects.table.js';

export type ProjectWithRole = ProjectRow & { role: ProjectRole };

export async function insertProject(
  db: Kysely<Database>,
  row: { id: string; key: string; name: string; description: string | null; created_by: string },
): Promise<ProjectRow> {
  return db.insertInto('projects').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The caller's projects (any role), oldest first, keyset by id (UUIDv7). */
export function listProjectsOfUser(
  db: Kysely<Database>,
  userId: string,
  options: { afterId: string | null; limit: number },
): Promise<ProjectWithRole[]> {
  let query = db
    .selectFrom('project_members as m')
    .innerJoin('projects as p', 'p.id', 'm.project_id')
    .selectAll('p')
    .select('m.role')
    .where('m.user_id', '=', userId)
    .orderBy('m.project_id')
    .limit(options.limit);
  if (options.afterId !== null) query = query.where('m.project_id', '>', options.afterId);
  return query.execute();
}

/** The project with the caller's role, when the caller is a member; `lock` takes the row lock. */
export function findProjectOfUser(
  db: Kysely<Database>,
  projectId: string,
  userId: string,
  lock = false,
): Promise<ProjectWithRole | undefined> {
  const query = db
    .selectFrom('projects as p')
    .innerJoin('project_members as m', (j) =>
      j.onRef('m.project_id', '=', 'p.id').on('m.user_id', '=', userId),
    )
    .selectAll('p')
    .select('m.role')
    .where('p.id', '=', projectId);
  return (lock ? query.forUpdate('p') : query).executeTakeFirst();
}

/** The caller's role in a project, or undefined when the caller is not a member. */
export async function findRole(
  db: Kysely<Database>,
  projectId: string,
  userId: string,
): Promise<ProjectRole | undefined> {
  const row = await db
    .selectFrom('project_members')
    .select('role')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role;
}

export function updateProjectRow(
  db: Kysely<Database>,
  projectId: string,
  patch: { name?: string; description?: string | null },
): Promise<ProjectRow> {
  return db
    .updateTable('projects')
    .set({ ...patch, updated_at: sql`now()`, version: sql`version + 1` })
    .where('id', '=', projectId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deletes the project; its members, specifications, items and revisions go with it (cascade). */
export async function deleteProjectRow(db: Kysely<Database>, projectId: string): Promise<void> {
  await db.deleteFrom('projects').where('id', '=', projectId).execute();
}

/**
 * Hands out the project's next item number (or the first of its next `count`), or undefined when
 * the project is gone. The row lock it takes orders every change of order in the project: take
 * it before any item or specification lock, as deleting a project does.
 */
export async function allocateItemNumber(
  db: Kysely<Database>,
  projectId: string,
  count = 1,
): Promise<{ key: string; number: number } | undefined> {
  const row = await db
    .updateTable('projects')
    .set({ item_counter: sql`item_counter + ${count}` })
    .where('id', '=', projectId)
    .returning(['key', 'item_counter'])
    .executeTakeFirst();
  return row && { key: row.key, number: row.item_counter - count + 1 };
}

/** Takes the lock that allocateItemNumber takes, for changes of order that allocate nothing. */
export async function lockProjectOrder(db: Kysely<Database>, projectId: string): Promise<void> {
  await db
    .selectFrom('projects')
    .select('id')
    .where('id', '=', projectId)
    .forNoKeyUpdate()
    .execute();
}

/**
 * Projects the user is the only owner of, locked, each with how many other members it has.
 */
export async function lockSoleOwnerships(
  db: Kysely<Database>,
  userId: string,
): Promise<{ id: string; name: string; others: number }[]> {
  const rows = await db
    .selectFrom('project_members as m')
    .innerJoin('projects as p', 'p.id', 'm.project_id')
    .select(['p.id', 'p.name'])
    .select((eb) =>
      eb
        .selectFrom('project_members as o')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('o.project_id', '=', 'p.id')
        .where('o.user_id', '<>', userId)
        .as('others'),
    )
    .where('m.user_id', '=', userId)
    .where('m.role', '=', 'owner')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('project_members as o')
            .select(sql`1`.as('one'))
            .whereRef('o.project_id', '=', 'm.project_id')
            .where('o.role', '=', 'owner')
            .where('o.user_id', '<>', userId),
        ),
      ),
    )
    .forUpdate('p')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, others: Number(r.others ?? 0) }));
}

/**
 * Holds a project against deletion until the commit (KEY SHARE) and answers the caller's role in
 * it; undefined when it is gone or the caller is not a member.
 */
export async function holdProjectRole(
  db: Kysely<Database>,
  projectId: string,
  userId: string,
): Promise<ProjectRole | undefined> {
  const row = await db
    .selectFrom('projects as p')
    .leftJoin('project_members as m', (j) =>
      j.onRef('m.project_id', '=', 'p.id').on('m.user_id', '=', userId),
    )
    .select('m.role')
    .where('p.id', '=', projectId)
    .forKeyShare('p')
    .executeTakeFirst();
  return row?.role ?? undefined;
}

/** The e-mail addresses of a project's owners whose accounts are enabled. */
export async function ownerEmails(db: Kysely<Database>, projectId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('project_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('u.email')
    .where('m.project_id', '=', projectId)
    .where('m.role', '=', 'owner')
    .where('u.disabled_at', 'is', null)
    .orderBy('u.email')
    .execute();
  return rows.map((r) => r.email);
}
