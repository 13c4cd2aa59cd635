import type { Kysely } from 'kysely';
import { listActivityPage, type ActivityEvent } from '../audit/audit.service.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import { requireRole } from './project-access.js';

/** A project's activity for its members (viewers too), newest first. */
export async function projectActivity(
  db: Kysely<Database>,
  { actor }: Context,
  projectId: string,
  query: { limit: number; cursor?: string | undefined; type?: string | undefined },
): Promise<{ data: ActivityEvent[]; nextCursor: string | null }> {
  await requireRole(db, projectId, actor.userId, 'viewer');
  return listActivityPage(db, projectId, query);
}
