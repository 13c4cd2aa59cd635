import type { Kysely } from 'kysely';
import { ForbiddenError, NotFoundError } from '../domain/errors.js';
import type { Database } from '../platform/schema.js';
import { findRole } from './projects.repository.js';
import type { ProjectRole } from './projects.table.js';

const RANK: Record<ProjectRole, number> = { viewer: 0, editor: 1, owner: 2 };

/**
 * Checks a member's role against what an action needs. A non-member learns nothing (404 for
 * everything under the project); a member below the needed role gets 403.
 */
export function assertRole(
  role: ProjectRole | undefined,
  needed: ProjectRole,
  what = 'Project',
): ProjectRole {
  if (role === undefined) throw new NotFoundError(what);
  if (RANK[role] < RANK[needed]) {
    throw new ForbiddenError(
      needed === 'owner' ? 'Only a project owner may do this' : 'Viewers may not change anything',
    );
  }
  return role;
}

/** The caller's role in a project, requiring at least `needed`. */
export async function requireRole(
  db: Kysely<Database>,
  projectId: string,
  userId: string,
  needed: ProjectRole,
  what = 'Project',
): Promise<ProjectRole> {
  return assertRole(await findRole(db, projectId, userId), needed, what);
}
