import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import type { AnyContext } from '../domain/unit-of-work.js';
import { ACTIVITY_FAMILIES, type ActivityType } from '../domain/project-events.js';
import type { Database } from '../platform/schema.js';
import {
  deleteEventsBefore,
  insertEvent,
  insertEventWithFanOut,
  listEvents,
  type EventFilter,
} from './audit.repository.js';
import type { AuditEventRow } from './audit.table.js';
import { webhookFanOut } from '../webhooks/webhooks.service.js';

/** The security events of the audit log (CONTRACT.md), and a few more of the same kind. */
export type SecurityEventType =
  | 'auth.login.succeeded'
  | 'auth.login.failed'
  | 'auth.logout'
  | 'auth.refresh.reused'
  | 'auth.mfa.failed'
  | 'user.registered'
  | 'user.password.changed'
  | 'user.mfa.enabled'
  | 'user.mfa.disabled'
  | 'user.passkey.added'
  | 'user.passkey.removed'
  | 'user.deleted'
  | 'token.created'
  | 'token.revoked'
  | 'admin.user.updated'
  | 'admin.flag.changed'
  | 'webhook.created'
  | 'webhook.updated'
  | 'webhook.deleted';

export interface EventInput {
  type: SecurityEventType | ActivityType;
  /** Who did it, when the context has no actor (a sign-in names its user). */
  actorId?: string | null | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  projectId?: string | undefined;
  /** What a reader needs to understand the event; never a secret. */
  details?: Record<string, unknown> | undefined;
}

/**
 * Writes an event with the caller's actor, IP and user agent, in the caller's transaction (so it
 * stands or falls with what it records); a failure is recorded on the plain database handle.
 * A personal access token's calls name the token in `details.tokenId`.
 */
export async function recordEvent(
  db: Kysely<Database>,
  ctx: AnyContext,
  event: EventInput,
): Promise<void> {
  await insertEvent(db, eventRow(ctx, event));
}

/** An event's row: a new id, the caller's actor, IP and user agent. */
function eventRow({ actor, client }: AnyContext, event: EventInput) {
  const details = { ...event.details };
  if (actor?.token) details.tokenId = actor.token.id;
  return {
    id: uuidv7(),
    type: event.type,
    actor_id: event.actorId === undefined ? (actor?.userId ?? null) : event.actorId,
    ip: client.ip,
    user_agent: client.userAgent?.slice(0, 512) ?? null,
    target_type: event.targetType ?? null,
    target_id: event.targetId ?? null,
    project_id: event.projectId ?? null,
    details,
  };
}

/**
 * A project's event (`item.updated` …): its activity entry, with the project as its scope, and
 * a delivery for each of the project's webhooks subscribed to it, in the caller's transaction.
 */
export async function recordActivity(
  db: Kysely<Database>,
  ctx: AnyContext,
  projectId: string,
  event: Omit<EventInput, 'projectId' | 'type'> & { type: ActivityType },
): Promise<void> {
  const row = eventRow(ctx, { ...event, projectId });
  const fanOut = webhookFanOut(ctx.effects, {
    id: row.id,
    projectId,
    type: event.type,
    actorId: row.actor_id,
    targetType: row.target_type,
    targetId: row.target_id,
    details: row.details,
  });
  fanOut.queued(await insertEventWithFanOut(db, row, fanOut));
}

export interface AuditEvent {
  id: string;
  at: Date;
  type: string;
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

/** A project member's view of an event: no IP or user agent of other people. */
export type ActivityEvent = Omit<AuditEvent, 'ip' | 'userAgent'>;

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    type: row.type,
    actorId: row.actor_id,
    ip: row.ip,
    userAgent: row.user_agent,
    targetType: row.target_type,
    targetId: row.target_id,
    details: row.details,
  };
}

function toActivityEvent(row: AuditEventRow): ActivityEvent {
  const { ip: _ip, userAgent: _userAgent, ...event } = toAuditEvent(row);
  return event;
}

type PageInput = { limit: number; cursor?: string | undefined };

/** The audit log for administrators: newest first, filtered, keyset-paged. */
export async function listAuditPage(
  db: Kysely<Database>,
  query: PageInput & Pick<EventFilter, 'type' | 'actorId' | 'targetId'>,
): Promise<{ data: AuditEvent[]; nextCursor: string | null }> {
  const before = decodeCursor(query.cursor, 'uuid');
  const rows = await listEvents(db, query, before, query.limit);
  return pageOf(rows, query.limit, toAuditEvent, (r) => r.id);
}

/** A project's activity, newest first; `type` filters (`item.updated`, or a family: `item`). */
export async function listActivityPage(
  db: Kysely<Database>,
  projectId: string,
  query: PageInput & { type?: string | undefined },
): Promise<{ data: ActivityEvent[]; nextCursor: string | null }> {
  const before = decodeCursor(query.cursor, 'uuid');
  const family = ACTIVITY_FAMILIES.find((f) => f === query.type);
  const filter: EventFilter = {
    projectId,
    typePrefixes: family ? [`${family}.`] : ACTIVITY_FAMILIES.map((f) => `${f}.`),
    ...(query.type !== undefined && !family ? { type: query.type } : {}),
  };
  const rows = await listEvents(db, filter, before, query.limit);
  return pageOf(rows, query.limit, toActivityEvent, (r) => r.id);
}

/** Events deleted per statement while pruning: short statements, no long lock. */
const PRUNE_BATCH = 1000;

/** Deletes events older than the retention, in small batches; returns how many went. */
export async function pruneEvents(db: Kysely<Database>, retentionDays: number): Promise<number> {
  const cutoff = new Date(Date.now() - retentionDays * 86_400_000);
  let total = 0;
  for (;;) {
    const n = await deleteEventsBefore(db, cutoff, PRUNE_BATCH);
    total += n;
    if (n < PRUNE_BATCH) return total;
  }
}
