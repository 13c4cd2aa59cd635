import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import { LastOwnerError, NotFoundError } from '../domain/errors.js';
import { assertIfMatch, type IfMatch } from '../domain/preconditions.js';
import { cleanTitle, limitBytes } from '../domain/text-fields.js';
import type { Context, Effects } from '../domain/unit-of-work.js';
import { bumpVersion } from '../platform/cache.js';
import type { Database } from '../platform/schema.js';
import { seedLinkTypes } from './link-types.service.js';
import { insertMember } from './members.repository.js';
import { assertRole } from './project-access.js';
import { deriveProjectKey } from './project-key.js';
import {
  ownerEmails,
  deleteProjectRow,
  findProjectOfUser,
  insertProject,
  listProjectsOfUser,
  lockSoleOwnerships,
  updateProjectRow,
  type ProjectWithRole,
} from './projects.repository.js';
import type { ProjectRole } from './projects.table.js';

export { assertRole, requireRole } from './project-access.js';
// The project's order lock, which every writer of document order in the project takes first.
export { allocateItemNumber, lockProjectOrder } from './projects.repository.js';

/** The cache version of who may see a project: cached access checks name it in their keys. */
export const projectAccessVersionKey = (projectId: string) => `access:${projectId}:v`;

/**
 * Records that who may see a project changed (a member removed, the project deleted): once
 * committed, cached access checks miss on every instance.
 */
export function projectAccessChanged(effects: Effects, projectId: string): void {
  effects.afterCommit('project-access-version', ({ cache }) =>
    bumpVersion(cache, projectAccessVersionKey(projectId)),
  );
}

/** The cache version of a project's trace links as pages show them (see links/). */
export const projectTraceVersionKey = (projectId: string) => `trace:${projectId}:v`;

/**
 * Records that a project's links, or the items they show, changed (a link made, removed or
 * cleared; an item changed or deleted, which may mark links suspect or retitle their ends): once
 * committed, cached link pages of the project miss on every instance.
 */
export function projectTraceChanged(effects: Effects, projectId: string): void {
  effects.afterCommit('trace-version', ({ cache }) =>
    bumpVersion(cache, projectTraceVersionKey(projectId)),
  );
}

/**
 * Locks the project row for this transaction (its deletion and member changes wait, or show here
 * as 404) and checks the caller's role in it.
 */
export async function lockProjectOfUser(
  trx: Kysely<Database>,
  projectId: string,
  actorId: string,
  needed: ProjectRole,
): Promise<ProjectWithRole> {
  const project = await findProjectOfUser(trx, projectId, actorId, true);
  assertRole(project?.role, needed);
  if (!project) throw new NotFoundError('Project');
  return project;
}

/** A project as the API shows it, with the caller's role in it. */
export interface Project {
  id: string;
  key: string;
  name: string;
  description: string | null;
  role: ProjectRole;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface NewProject {
  name: string;
  key?: string | undefined;
  description?: string | undefined;
}

export interface ProjectPatch {
  name?: string | undefined;
  description?: string | null | undefined;
}

function toProject(row: ProjectWithRole): Project {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    role: row.role,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

function cleanDescription(value: string | null | undefined): string | null | undefined {
  return typeof value === 'string' ? limitBytes(value, 'description') : value;
}

/** Creates a project with the caller as its owner and the default link types. */
export async function createProject(
  trx: Kysely<Database>,
  { actor }: Context,
  input: NewProject,
): Promise<Project> {
  const actorId = actor.userId;
  const name = cleanTitle(input.name, 'name');
  const description = cleanDescription(input.description) ?? null;
  const key = input.key ?? deriveProjectKey(name);
  const row = await insertProject(trx, {
    id: uuidv7(),
    key,
    name,
    description,
    created_by: actorId,
  });
  await insertMember(trx, { project_id: row.id, user_id: actorId, role: 'owner' });
  await seedLinkTypes(trx, row.id);
  return toProject({ ...row, role: 'owner' });
}

/** A page of the caller's projects (owned or member of), oldest first. */
export async function listProjects(
  db: Kysely<Database>,
  { actor }: Context,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ data: Project[]; nextCursor: string | null }> {
  const afterId = decodeCursor(query.cursor, 'uuid');
  const rows = await listProjectsOfUser(db, actor.userId, { afterId, limit: query.limit + 1 });
  return pageOf(rows, query.limit, toProject, (r) => r.id);
}

export async function getProject(
  db: Kysely<Database>,
  { actor }: Context,
  projectId: string,
): Promise<Project> {
  const row = await findProjectOfUser(db, projectId, actor.userId);
  if (!row) throw new NotFoundError('Project');
  return toProject(row);
}

/** Renames or re-describes a project (owners only), honouring If-Match. */
export async function updateProject(
  trx: Kysely<Database>,
  { actor }: Context,
  projectId: string,
  patch: ProjectPatch,
  ifMatch: IfMatch,
): Promise<Project> {
  const name = patch.name === undefined ? undefined : cleanTitle(patch.name, 'name');
  const description = cleanDescription(patch.description);
  const current = await lockProjectOfUser(trx, projectId, actor.userId, 'owner');
  assertIfMatch(ifMatch, current.version);
  const row = await updateProjectRow(trx, projectId, {
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
  });
  return toProject({ ...row, role: current.role });
}

/** Deletes a project and everything under it (owners only), honouring If-Match. */
export async function deleteProject(
  trx: Kysely<Database>,
  ctx: Context,
  projectId: string,
  ifMatch: IfMatch,
): Promise<void> {
  const current = await lockProjectOfUser(trx, projectId, ctx.actor.userId, 'owner');
  assertIfMatch(ifMatch, current.version);
  await deleteProjectRow(trx, projectId);
  projectAccessChanged(ctx.effects, projectId);
}

/**
 * Before an account is deleted: projects it alone is in go with it; a project it is the last
 * owner of while others are members would be left ownerless, so that is refused (409).
 */
export async function releaseProjectsOf(
  trx: Kysely<Database>,
  effects: Effects,
  userId: string,
): Promise<void> {
  const sole = await lockSoleOwnerships(trx, userId);
  const shared = sole.find((p) => p.others > 0);
  if (shared) {
    throw new LastOwnerError(
      `You are the last owner of the project "${shared.name}"; make another member an owner first`,
    );
  }
  for (const project of sole) {
    await deleteProjectRow(trx, project.id);
    projectAccessChanged(effects, project.id);
  }
}

/** Who is told about a project's own affairs (a webhook switched off): its enabled owners. */
export function projectOwnerEmails(db: Kysely<Database>, projectId: string): Promise<string[]> {
  return ownerEmails(db, projectId);
}
