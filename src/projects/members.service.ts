import { recordActivity } from '../audit/audit.service.js';
import type { Kysely } from 'kysely';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import { AlreadyMemberError, LastOwnerError, NotFoundError } from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import { findUserByEmail } from '../users/users.service.js';
import {
  countOwners,
  deleteMemberRow,
  findMemberRow,
  insertMember,
  listMemberRows,
  updateMemberRole,
  type MemberRow,
} from './members.repository.js';
import { requireRole } from './project-access.js';
import { lockProjectOfUser, projectAccessChanged } from './projects.service.js';
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

async function assertNotLastOwner(
  trx: Kysely<Database>,
  projectId: string,
  member: MemberRow,
): Promise<void> {
  if (member.role === 'owner' && (await countOwners(trx, projectId)) <= 1) {
    throw new LastOwnerError('The last owner cannot leave or be demoted; make another owner first');
  }
}

/** A page of a project's members (any member may see them). */
export async function listMembers(
  db: Kysely<Database>,
  { actor }: Context,
  projectId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ data: Member[]; nextCursor: string | null }> {
  await requireRole(db, projectId, actor.userId, 'viewer');
  const afterUserId = decodeCursor(query.cursor, 'uuid');
  const rows = await listMemberRows(db, projectId, { afterUserId, limit: query.limit + 1 });
  return pageOf(rows, query.limit, toMember, (r) => r.user_id);
}

/** One member of a project (any member may see them); 404 when not a member. */
export async function getMember(
  db: Kysely<Database>,
  { actor }: Context,
  projectId: string,
  userId: string,
): Promise<Member> {
  await requireRole(db, projectId, actor.userId, 'viewer');
  const row = await findMemberRow(db, projectId, userId);
  if (!row) throw new NotFoundError('Member');
  return toMember(row);
}

/** Adds an existing user by e-mail (owners only); 409 when already a member. */
export async function addMember(
  trx: Kysely<Database>,
  ctx: Context,
  projectId: string,
  input: { email: string; role: ProjectRole },
): Promise<Member> {
  // Member changes of one project run one at a time.
  await lockProjectOfUser(trx, projectId, ctx.actor.userId, 'owner');
  const user = await findUserByEmail(trx, input.email);
  if (!user) throw new NotFoundError('User with that e-mail');
  const added = await insertMember(trx, {
    project_id: projectId,
    user_id: user.id,
    role: input.role,
  });
  if (!added) throw new AlreadyMemberError();
  await recordActivity(trx, ctx, projectId, {
    type: 'member.added',
    targetType: 'user',
    targetId: user.id,
    details: { email: user.email, role: input.role },
  });
  return { userId: user.id, email: user.email, name: user.name, role: input.role };
}

/** Changes a member's role (owners only); the last owner cannot be demoted (409). */
export async function changeMemberRole(
  trx: Kysely<Database>,
  ctx: Context,
  projectId: string,
  userId: string,
  role: ProjectRole,
): Promise<Member> {
  await lockProjectOfUser(trx, projectId, ctx.actor.userId, 'owner');
  const member = await findMemberRow(trx, projectId, userId);
  if (!member) throw new NotFoundError('Member');
  if (role !== 'owner') await assertNotLastOwner(trx, projectId, member);
  await updateMemberRole(trx, projectId, userId, role);
  await recordActivity(trx, ctx, projectId, {
    type: 'member.updated',
    targetType: 'user',
    targetId: userId,
    details: { role, previousRole: member.role },
  });
  return toMember({ ...member, role });
}

/** Removes a member: owners remove anyone, any member may leave; never the last owner (409). */
export async function removeMember(
  trx: Kysely<Database>,
  ctx: Context,
  projectId: string,
  userId: string,
): Promise<void> {
  const { actor, effects } = ctx;
  const needed = userId === actor.userId ? 'viewer' : 'owner';
  await lockProjectOfUser(trx, projectId, actor.userId, needed);
  const member = await findMemberRow(trx, projectId, userId);
  if (!member) throw new NotFoundError('Member');
  await assertNotLastOwner(trx, projectId, member);
  await deleteMemberRow(trx, projectId, userId);
  await recordActivity(trx, ctx, projectId, {
    type: 'member.removed',
    targetType: 'user',
    targetId: userId,
    details: { role: member.role, left: userId === actor.userId },
  });
  // A cached membership must not outlive the membership.
  projectAccessChanged(effects, projectId);
}
