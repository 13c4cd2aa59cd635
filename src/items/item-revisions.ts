import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import { NotFoundError } from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import { requireRole } from '../projects/projects.service.js';
import { insertRevision, listRevisionRows, revisionProject } from './items.repository.js';
import type { ItemRow, RevisionAction } from './items.table.js';

/** `{ field: { before, after } }` for each field a change touched. */
export type Changes = Record<string, { before: unknown; after: unknown }>;

/** One entry of an item's history as the API shows it. */
export interface Revision {
  version: number;
  action: RevisionAction;
  changedAt: Date;
  changedBy: string | null;
  changes: Changes;
}

/** The fields of `before` and `after` that differ, each with both values. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): Changes {
  const changes: Changes = {};
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[field] ?? null;
    const b = after[field] ?? null;
    if (a !== b) changes[field] = { before: a, after: b };
  }
  return changes;
}

/** Writes a revision of an item at its new version; run it in the change's transaction. */
export async function recordRevision(
  db: Kysely<Database>,
  enc: Encryptor,
  item: Pick<ItemRow, 'id' | 'specification_id' | 'project_id'>,
  entry: { version: number; action: RevisionAction; changedBy: string; changes: Changes },
): Promise<void> {
  await insertRevision(db, {
    id: uuidv7(),
    item_id: item.id,
    specification_id: item.specification_id,
    project_id: item.project_id,
    version: entry.version,
    action: entry.action,
    changed_by: entry.changedBy,
    // Revisions hold bodies, so they are encrypted like the bodies themselves.
    changes_enc: enc.encrypt(JSON.stringify(entry.changes)),
  });
}

/**
 * A page of an item's history, newest first. A deleted item's history stays readable to the
 * project's members until its specification is deleted.
 */
export async function revisionPage(
  db: Kysely<Database>,
  { actor, enc }: Context,
  itemId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<{ data: Revision[]; nextCursor: string | null }> {
  const projectId = await revisionProject(db, itemId);
  if (projectId === undefined) throw new NotFoundError('Item');
  await requireRole(db, projectId, actor.userId, 'viewer', 'Item');
  const beforeVersion = decodeCursor(query.cursor, 'number');
  const rows = await listRevisionRows(db, itemId, { beforeVersion, limit: query.limit + 1 });
  return pageOf(
    rows,
    query.limit,
    (r) => ({
      version: r.version,
      action: r.action,
      changedAt: r.changed_at,
      changedBy: r.changed_by,
      changes: JSON.parse(enc.decrypt(r.changes_enc)) as Changes,
    }),
    (r) => r.version,
  );
}
