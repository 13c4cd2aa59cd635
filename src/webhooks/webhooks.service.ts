import type { Kysely, QueryCreator } from 'kysely';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import {
  ACTIVITY_FAMILIES,
  ACTIVITY_TYPES,
  familyOf,
  type ActivityType,
} from '../domain/project-events.js';
import type { Effects } from '../domain/unit-of-work.js';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import { urlProblem, type DestinationPolicy } from './destination.js';
import { deliveriesQueued } from './queue-signal.js';
import {
  countWebhooks,
  deleteWebhookRow,
  findWebhook,
  deliveriesInsert,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  requeueDelivery,
  restartPendingDeliveries,
  updateWebhookRow,
} from './webhooks.repository.js';
import type { DeliveryStatus, WebhookDeliveryRow, WebhookRow } from './webhooks.table.js';

/** A project has at most this many webhooks. */
export const MAX_WEBHOOKS_PER_PROJECT = 20;

/** What a webhook may subscribe to: an event type, a family (`item.*`), or everything (`*`). */
export const EVENT_PATTERNS: readonly string[] = [
  '*',
  ...ACTIVITY_FAMILIES.map((f) => `${f}.*`),
  ...ACTIVITY_TYPES,
];

export class WebhookLimitError extends ConflictError {
  constructor() {
    super(`A project has at most ${MAX_WEBHOOKS_PER_PROJECT} webhooks`);
  }
}

/** A webhook as its project's owners see it (the secret only once, at creation). */
export interface Webhook {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Since when every attempt has failed (null: the last one succeeded). */
  failingSince: Date | null;
  /** When it was switched off for failing for days (null: it was not). */
  deactivatedAt: Date | null;
}

function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    active: row.active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    failingSince: row.failing_since,
    deactivatedAt: row.deactivated_at,
  };
}

export interface Delivery {
  id: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: Date;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  responseStatus: number | null;
  error: string | null;
}

function toDelivery(row: WebhookDeliveryRow): Delivery {
  return {
    id: row.id,
    event: row.event_type,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.created_at,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    responseStatus: row.response_status,
    error: row.last_error,
  };
}

/** A project event as webhooks deliver it (the `data` of the Standard Webhooks body). */
export interface ProjectEvent {
  id: string;
  projectId: string;
  type: ActivityType;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

/** How a project event is queued for the project's webhooks, with the event's own insert. */
export interface WebhookFanOut {
  /** The insert of its deliveries, to run in the same statement as the event's. */
  insert(qc: QueryCreator<Database>): ReturnType<typeof deliveriesInsert>;
  /** Once it ran, how many it queued: this process's workers are woken after the commit. */
  queued(count: number): void;
}

/**
 * The deliveries of a project event for the project's subscribed webhooks, written in the
 * caller's transaction: delivered if and only if that commits.
 */
export function webhookFanOut(effects: Effects, event: ProjectEvent): WebhookFanOut {
  const { type, ...data } = event;
  const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data });
  const patterns = [type, `${familyOf(type)}.*`, '*'];
  return {
    insert: (qc) => deliveriesInsert(qc, { projectId: event.projectId, type, patterns, body }),
    queued: (count) => {
      if (count > 0) effects.afterCommit('webhooks-kick', deliveriesQueued);
    },
  };
}

/** `whsec_` + 256 random bits, base64: the Standard Webhooks secret format. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function checkUrl(url: string, policy: DestinationPolicy): string {
  const problem = urlProblem(url, policy);
  if (problem !== null)
    throw new ValidationError(`url ${problem}`, [{ path: 'url', message: problem }]);
  return new URL(url).href;
}

/** The patterns, each once, in a stable order; an unknown one is a 400 naming it. */
function checkEvents(events: readonly string[]): string[] {
  const unknown = events.find((e) => !EVENT_PATTERNS.includes(e));
  if (unknown !== undefined) {
    throw new ValidationError(`events: ${unknown} is not an event type`, [
      { path: 'events', message: `${unknown} is not an event type, a family (item.*) or *` },
    ]);
  }
  return EVENT_PATTERNS.filter((p) => events.includes(p));
}

/** Registers a webhook (its project's owner has been checked); the secret is answered once. */
export async function createWebhook(
  tx: Kysely<Database>,
  enc: Encryptor,
  policy: DestinationPolicy,
  projectId: string,
  createdBy: string,
  input: { url: string; events: string[] },
): Promise<Webhook & { secret: string }> {
  const url = checkUrl(input.url, policy);
  const events = checkEvents(input.events);
  if ((await countWebhooks(tx, projectId)) >= MAX_WEBHOOKS_PER_PROJECT) {
    throw new WebhookLimitError();
  }
  const secret = newSecret();
  const row = await insertWebhook(tx, {
    id: uuidv7(),
    project_id: projectId,
    url,
    events,
    secret_enc: enc.encrypt(secret),
    created_by: createdBy,
  });
  return { ...toWebhook(row), secret };
}

export async function listProjectWebhooks(
  db: Kysely<Database>,
  projectId: string,
): Promise<Webhook[]> {
  return (await listWebhooks(db, projectId)).map(toWebhook);
}

async function webhookOf(db: Kysely<Database>, projectId: string, webhookId: string) {
  const row = await findWebhook(db, projectId, webhookId);
  if (!row) throw new NotFoundError('Webhook');
  return row;
}

export async function getWebhook(
  db: Kysely<Database>,
  projectId: string,
  webhookId: string,
): Promise<Webhook> {
  return toWebhook(await webhookOf(db, projectId, webhookId));
}

/**
 * Changes a webhook's URL, events or state. Switching it on again, or pointing it elsewhere,
 * gives its pending deliveries a fresh day of retries, starting now.
 */
export async function updateWebhook(
  tx: Kysely<Database>,
  policy: DestinationPolicy,
  projectId: string,
  webhookId: string,
  patch: { url?: string | undefined; events?: string[] | undefined; active?: boolean | undefined },
): Promise<{ before: Webhook; after: Webhook }> {
  const current = await webhookOf(tx, projectId, webhookId);
  const reactivated = patch.active === true && !current.active;
  const url = patch.url !== undefined ? checkUrl(patch.url, policy) : undefined;
  const fresh = reactivated || (url !== undefined && url !== current.url);
  const row = await updateWebhookRow(tx, webhookId, {
    ...(url !== undefined ? { url } : {}),
    ...(patch.events !== undefined ? { events: checkEvents(patch.events) } : {}),
    ...(patch.active !== undefined ? { active: patch.active } : {}),
    ...(fresh ? { failing_since: null, deactivated_at: null } : {}),
  });
  if (!row) throw new NotFoundError('Webhook');
  if (fresh) await restartPendingDeliveries(tx, webhookId);
  return { before: toWebhook(current), after: toWebhook(row) };
}

export async function deleteWebhook(
  tx: Kysely<Database>,
  projectId: string,
  webhookId: string,
): Promise<Webhook> {
  const current = await webhookOf(tx, projectId, webhookId);
  await deleteWebhookRow(tx, webhookId);
  return toWebhook(current);
}

/** A webhook's deliveries, newest first, optionally of one status. */
export async function listDeliveriesPage(
  db: Kysely<Database>,
  projectId: string,
  webhookId: string,
  query: { limit: number; cursor?: string | undefined; status?: DeliveryStatus | undefined },
): Promise<{ data: Delivery[]; nextCursor: string | null }> {
  await webhookOf(db, projectId, webhookId);
  const beforeSeq = decodeCursor(query.cursor, 'number');
  const rows = await listDeliveries(
    db,
    webhookId,
    { status: query.status, beforeSeq },
    query.limit,
  );
  return pageOf(rows, query.limit, toDelivery, (r) => Number(r.seq));
}

/** Queues a delivery again (any status), due now, at its place in the webhook's order. */
export async function retryDelivery(
  tx: Kysely<Database>,
  effects: Effects,
  projectId: string,
  webhookId: string,
  deliveryId: string,
): Promise<Delivery> {
  await webhookOf(tx, projectId, webhookId);
  const row = await requeueDelivery(tx, webhookId, deliveryId);
  if (!row) throw new NotFoundError('Delivery');
  effects.afterCommit('webhooks-kick', deliveriesQueued);
  return toDelivery(row);
}
