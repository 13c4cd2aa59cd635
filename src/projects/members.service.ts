import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError } from '../errors.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import type { Database } from '../platform/schema.js';
import { findUserByEmail } from '../users/users.repository.js';
import {
  countOwners,
  deleteMemberRow,
  findMemberRow,
  insertMember,
  listMemberRows,
  updateMemberRole,
  type MemberRow,
} from './members.repository.js';
import { assertRole, requireRole } from './project-access.js';
import { findProjectOfUser } from './projects.repository.js';
import type { ProjectRole } from './projects.table.js';

/** A project member as the API shows it. */
export interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: ProjectRole;
}

function toMember(row: MemberRow): Member {
  return { userId: row.user_id, email: row.email, name: row.name, role: row.role };
}

/** Locks the project (member changes of one project run one at a time) and checks the caller. */
async function lockAsMember(
  trx: Kysely<Database>,
  projectId: string,
  actorId: string,
  needed: ProjectRole,
): Promise<void> {
  const project = await findProjectOfUser(trx, projectId, actorId, true);
  assertRole(project?.role, needed);
}

async function assertNotLastOwner(
  trx: Kysely<Database>,
  projectId: string,
  member: MemberRow,
): Promise<void> {
  if (member.role === 'owner' && (await countOwners(trx, projectId)) <= 1) {
    throw new ConflictError('The last owner cannot leave or be demoted; make another owner first');
  }
}

/** A page of a project's members (any member may see them). */
export async function listMembers(
  db: Kysely<Database>,
  actorId: string,
  projectId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ data: Member[]; nextCursor: string | null }> {
  await requireRole(db, projectId, actorId, 'viewer');
  const afterUserId = decodeCursor(query.cursor, 'uuid');
  const rows = await listMemberRows(db, projectId, { afterUserId, limit: query.limit + 1 });
  return pageOf(rows, query.limit, toMember, (r) => r.user_id);
}

/** Adds an existing user by e-mail (owners only); 409 when already a member. */
export async function addMember(
  db: Kysely<Database>,
  actorId: string,
  projectId: string,
  input: { email: string; role: ProjectRole },
): Promise<Member> {
  return db.transaction().execute(async (trx) => {
    await lockAsMember(trx, projectId, actorId, 'owner');
    const user = await findUserByEmail(trx, input.email);
    if (!user) throw new NotFoundError('User with that e-mail');
    const added = await insertMember(trx, {
      project_id: projectId,
      user_id: user.id,
      role: input.role,
    });
    if (!added) throw new ConflictError('That user is already a member');
    return { userId: user.id, email: user.email, name: user.name, role: input.role };
  });
}

/** Changes a member's role (owners only); the last owner cannot be demoted (409). */
export async function changeMemberRole(
  db: Kysely<Database>,
  actorId: string,
  projectId: string,
  userId: string,
  role: ProjectRole,
): Promise<Member> {
  return db.transaction().execute(async (trx) => {
    await lockAsMember(trx, projectId, actorId, 'owner');
    const member = await findMemberRow(trx, projectId, userId);
    if (!member) throw new NotFoundError('Member');
    if (role !== 'owner') await assertNotLastOwner(trx, projectId, member);
    await updateMemberRole(trx, projectId, userId, role);
    return toMember({ ...member, role });
  });
}

/** Removes a member: owners remove anyone, any member may leave; never the last owner (409). */
export async function removeMember(
  db: Kysely<Database>,
  actorId: string,
  projectId: string,
  userId: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockAsMember(trx, projectId, actorId, userId === actorId ? 'viewer' : 'owner');
    const member = await findMemberRow(trx, projectId, userId);
    if (!member) throw new NotFoundError('Member');
    await assertNotLastOwner(trx, projectId, member);
    await deleteMemberRow(trx, projectId, userId);
  });
}
