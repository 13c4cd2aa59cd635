import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { ConflictError, NotFoundError } from '../errors.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { assertIfMatch, type IfMatch } from '../http/preconditions.js';
import { cleanTitle, limitBytes } from '../http/text-fields.js';
import type { Database } from '../platform/schema.js';
import { insertMember } from './members.repository.js';
import { assertRole } from './project-access.js';
import { deriveProjectKey } from './project-key.js';
import {
  deleteProjectRow,
  findProjectOfUser,
  insertProject,
  listProjectsOfUser,
  lockSoleOwnerships,
  updateProjectRow,
  type ProjectWithRole,
} from './projects.repository.js';
import type { ProjectRole } from './projects.table.js';

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

/** Creates a project with the caller as its owner, in one transaction. */
export async function createProject(
  db: Kysely<Database>,
  actorId: string,
  input: NewProject,
): Promise<Project> {
  const name = cleanTitle(input.name, 'name');
  const description = cleanDescription(input.description) ?? null;
  const key = input.key ?? deriveProjectKey(name);
  return db.transaction().execute(async (trx) => {
    const row = await insertProject(trx, {
      id: uuidv7(),
      key,
      name,
      description,
      created_by: actorId,
    });
    await insertMember(trx, { project_id: row.id, user_id: actorId, role: 'owner' });
    return toProject({ ...row, role: 'owner' });
  });
}

/** A page of the caller's projects (owned or member of), oldest first. */
export async function listProjects(
  db: Kysely<Database>,
  actorId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ data: Project[]; nextCursor: string | null }> {
  const afterId = decodeCursor(query.cursor, 'uuid');
  const rows = await listProjectsOfUser(db, actorId, { afterId, limit: query.limit + 1 });
  return pageOf(rows, query.limit, toProject, (r) => r.id);
}

export async function getProject(
  db: Kysely<Database>,
  actorId: string,
  projectId: string,
): Promise<Project> {
  const row = await findProjectOfUser(db, projectId, actorId);
  if (!row) throw new NotFoundError('Project');
  return toProject(row);
}

/** Renames or re-describes a project (owners only), honouring If-Match. */
export async function updateProject(
  db: Kysely<Database>,
  actorId: string,
  projectId: string,
  patch: ProjectPatch,
  ifMatch: IfMatch,
): Promise<Project> {
  const name = patch.name === undefined ? undefined : cleanTitle(patch.name, 'name');
  const description = cleanDescription(patch.description);
  return db.transaction().execute(async (trx) => {
    const current = await findProjectOfUser(trx, projectId, actorId, true);
    const role = assertRole(current?.role, 'owner');
    assertIfMatch(ifMatch, current?.version ?? 0);
    const row = await updateProjectRow(trx, projectId, {
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
    });
    return toProject({ ...row, role });
  });
}

/** Deletes a project and everything under it (owners only), honouring If-Match. */
export async function deleteProject(
  db: Kysely<Database>,
  actorId: string,
  projectId: string,
  ifMatch: IfMatch,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await findProjectOfUser(trx, projectId, actorId, true);
    assertRole(current?.role, 'owner');
    assertIfMatch(ifMatch, current?.version ?? 0);
    await deleteProjectRow(trx, projectId);
  });
}

/**
 * Before an account is deleted: projects it alone is in go with it; a project it is the last
 * owner of while others are members would be left ownerless, so that is refused (409).
 */
export async function releaseProjectsOf(db: Kysely<Database>, userId: string): Promise<void> {
  const sole = await lockSoleOwnerships(db, userId);
  const shared = sole.find((p) => p.others > 0);
  if (shared) {
    throw new ConflictError(
      `You are the last owner of the project "${shared.name}"; make another member an owner first`,
    );
  }
  for (const project of sole) await deleteProjectRow(db, project.id);
}
