import { type Insertable, type Kysely, type QueryCreator } from 'kysely';
import type { Database } from '../platform/schema.js';
import type { WebhookFanOut } from '../webhooks/webhooks.service.js';
import type { AuditEventRow, AuditEventTable } from './audit.table.js';

/**
 * Inserts a project event and, in the same statement, its webhook deliveries; answers how many
 * deliveries were queued.
 */
export async function insertEventWithFanOut(
  db: Kysely<Database>,
  row: Insertable<AuditEventTable>,
  fanOut: WebhookFanOut,
): Promise<number> {
  // The event's insert rides along as a CTE; the fan-out needs none of its columns, so the
  // builder is handed on as the plain database's (its type only lacks the CTE's name).
  const withEvent = db.with('event', (qc) =>
    qc.insertInto('audit_events').values(row).returning('id'),
  ) as unknown as QueryCreator<Database>;
  const result = await fanOut.insert(withEvent).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

export async function insertEvent(
  db: Kysely<Database>,
  row: Insertable<AuditEventTable>,
): Promise<void> {
  await db.insertInto('audit_events').values(row).execute();
}

export interface EventFilter {
  type?: string | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  projectId?: string | undefined;
  /** Only types starting with one of these (`item.`, `member.` …). */
  typePrefixes?: readonly string[] | undefined;
}

/** Events newest first (ids are UUIDv7, so in time order), `limit + 1` of them, before `before`. */
export async function listEvents(
  db: Kysely<Database>,
  filter: EventFilter,
  before: string | null,
  limit: number,
): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll();
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
  if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId);
  if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId);
  const prefixes = filter.typePrefixes;
  if (prefixes !== undefined) {
    query = query.where((eb) => eb.or(prefixes.map((p) => eb('type', 'like', `${p}%`))));
  }
  if (before !== null) query = query.where('id', '<', before);
  return query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
}

/** Deletes up to `batch` events older than the cutoff, oldest first; returns how many went. */
export async function deleteEventsBefore(
  db: Kysely<Database>,
  cutoff: Date,
  batch: number,
): Promise<number> {
  const result = await db
    .deleteFrom('audit_events')
    .where(
      'id',
      'in',
      db
        .selectFrom('audit_events')
        .select('id')
        .where('at', '<', cutoff)
        .orderBy('id')
        .limit(batch),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
