import { sql, type Insertable, type Kysely, type QueryCreator, type Updateable } from 'kysely';
import type { Database } from '../platform/schema.js';
import type {
  DeliveryStatus,
  WebhookDeliveryRow,
  WebhookRow,
  WebhookTable,
} from './webhooks.table.js';

export async function insertWebhook(
  db: Kysely<Database>,
  row: Insertable<WebhookTable>,
): Promise<WebhookRow> {
  return db.insertInto('webhooks').values(row).returningAll().executeTakeFirstOrThrow();
}

export function listWebhooks(db: Kysely<Database>, projectId: string): Promise<WebhookRow[]> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('id')
    .execute();
}

export async function countWebhooks(db: Kysely<Database>, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function findWebhook(
  db: Kysely<Database>,
  projectId: string,
  webhookId: string,
): Promise<WebhookRow | undefined> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', webhookId)
    .executeTakeFirst();
}

export function updateWebhookRow(
  db: Kysely<Database>,
  webhookId: string,
  patch: Updateable<WebhookTable>,
): Promise<WebhookRow | undefined> {
  return db
    .updateTable('webhooks')
    .set({ ...patch, updated_at: sql`now()` })
    .where('id', '=', webhookId)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes a webhook and its deliveries. */
export async function deleteWebhookRow(db: Kysely<Database>, webhookId: string): Promise<void> {
  await db.deleteFrom('webhook_deliveries').where('webhook_id', '=', webhookId).execute();
  await db.deleteFrom('webhooks').where('id', '=', webhookId).execute();
}

/**
 * The insert that queues one event for every active webhook of the project subscribed to one of
 * `patterns` (its type, its family's `item.*`, `*`): run by the caller with the event's own insert,
 * in one statement of its transaction.
 */
export function deliveriesInsert(
  qc: QueryCreator<Database>,
  event: { projectId: string; type: string; patterns: string[]; body: string },
) {
  return qc
    .insertInto('webhook_deliveries')
    .columns(['id', 'webhook_id', 'event_type', 'body'])
    .expression((eb) =>
      eb
        .selectFrom('webhooks')
        .select([
          sql<string>`gen_random_uuid()`.as('id'),
          'id as webhook_id',
          sql<string>`${event.type}::text`.as('event_type'),
          sql<string>`${event.body}::text`.as('body'),
        ])
        .where('project_id', '=', event.projectId)
        .where('active', '=', true)
        .where(sql<boolean>`events && ${sql.val(event.patterns)}::text[]`),
    );
}

/** What a sending instance needs of a webhook it has leased. */
export type LeasedWebhook = Pick<
  WebhookRow,
  'id' | 'project_id' | 'url' | 'secret_enc' | 'created_by' | 'failing_since'
>;

/**
 * Leases up to `limit` active webhooks whose oldest pending delivery is due and that no other
 * instance is sending to (SKIP LOCKED, then the lease, named `token`, holds them for
 * `seconds`), the longest-waiting first; `except` those this instance is serving.
 */
export async function leaseDueWebhooks(
  db: Kysely<Database>,
  lease: { limit: number; seconds: number; token: string; except: string[] },
): Promise<LeasedWebhook[]> {
  const heads = db
    .selectFrom('webhooks as w')
    .select('w.id')
    .select((w) =>
      w
        .selectFrom('webhook_deliveries as d')
        .select('d.next_attempt_at')
        .whereRef('d.webhook_id', '=', 'w.id')
        .where('d.status', '=', 'pending')
        .orderBy('d.seq')
        .limit(1)
        .as('head_due'),
    )
    .where('w.active', '=', true)
    .where((w) =>
      w.or([w('w.lease_until', 'is', null), w('w.lease_until', '<', sql<Date>`now()`)]),
    );
  const candidates = lease.except.length > 0 ? heads.where('w.id', 'not in', lease.except) : heads;
  return db
    .with('heads', () => candidates)
    .with('picked', (w) =>
      w
        .selectFrom('webhooks')
        .innerJoin('heads', 'heads.id', 'webhooks.id')
        .select('webhooks.id')
        .where('heads.head_due', '<=', sql<Date>`now()`)
        // Again on the row itself: a lease taken since this statement's snapshot is seen when
        // the row is locked (PostgreSQL re-checks a locked row's own conditions, not the CTE's).
        .where('webhooks.active', '=', true)
        .where((w) =>
          w.or([
            w('webhooks.lease_until', 'is', null),
            w('webhooks.lease_until', '<', sql<Date>`now()`),
          ]),
        )
        .orderBy('heads.head_due')
        .limit(lease.limit)
        .forUpdate('webhooks')
        .skipLocked(),
    )
    .updateTable('webhooks')
    .set({
      lease_until: sql`now() + make_interval(secs => ${lease.seconds})`,
      lease_token: lease.token,
    })
    .where('id', 'in', (eb) => eb.selectFrom('picked').select('picked.id'))
    .returning(['id', 'project_id', 'url', 'secret_enc', 'created_by', 'failing_since'])
    .execute();
}

/** Extends a lease that still holds; answers whether it did (else: stop sending). */
export async function renewLease(
  db: Kysely<Database>,
  lease: Lease,
  seconds: number,
): Promise<boolean> {
  const row = await db
    .updateTable('webhooks')
    .set({ lease_until: sql`now() + make_interval(secs => ${seconds})` })
    .where('id', '=', lease.webhookId)
    .where('lease_token', '=', lease.token)
    .where('active', '=', true)
    .where('url', '=', lease.url)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** A webhook's next pending deliveries in order, and whether the first is due. */
export async function pendingDeliveries(
  db: Kysely<Database>,
  webhookId: string,
  limit: number,
): Promise<(Pick<WebhookDeliveryRow, 'id' | 'body' | 'failures'> & { due: boolean })[]> {
  return db
    .selectFrom('webhook_deliveries')
    .select(['id', 'body', 'failures'])
    .select(sql<boolean>`next_attempt_at <= now()`.as('due'))
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending')
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** The lease an instance sends under: the webhook as it leased it. */
export interface Lease {
  webhookId: string;
  token: string;
  url: string;
}

/**
 * Whether the lease still holds for the webhook as it was leased: not deleted, switched off,
 * pointed elsewhere or taken over meanwhile (an attempt's outcome is recorded only then).
 */
const leaseHolds = (lease: Lease) =>
  sql<boolean>`exists (select 1 from webhooks w where w.id = ${lease.webhookId}
    and w.lease_token = ${lease.token} and w.active and w.url = ${lease.url})`;

/** Records a delivered attempt, if the lease still holds; answers whether it did. */
export async function markDelivered(
  db: Kysely<Database>,
  lease: Lease,
  deliveryId: string,
  responseStatus: number,
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({
      status: 'delivered',
      attempts: sql`attempts + 1`,
      last_attempt_at: sql`now()`,
      finished_at: sql`now()`,
      response_status: responseStatus,
      last_error: null,
    })
    .where('id', '=', deliveryId)
    .where('status', '=', 'pending')
    .where(leaseHolds(lease))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Records a failed attempt, if the lease still holds and nobody queued the delivery afresh
 * meanwhile (`failures` is still `seen`): the next attempt after `retryInSeconds`, or none
 * (failed) once it has been failing for `giveUpAfterSeconds`. Answers what was recorded.
 */
export async function markAttemptFailed(
  db: Kysely<Database>,
  lease: Lease,
  delivery: { id: string; failures: number },
  attempt: { responseStatus: number | null; error: string },
  retryInSeconds: number,
  giveUpAfterSeconds: number,
): Promise<'retrying' | 'given_up' | 'not_recorded'> {
  const givingUp = sql<boolean>`coalesce(first_failed_at, now()) <= now() - make_interval(secs => ${giveUpAfterSeconds})`;
  const row = await db
    .updateTable('webhook_deliveries')
    .set({
      attempts: sql`attempts + 1`,
      failures: sql`failures + 1`,
      last_attempt_at: sql`now()`,
      response_status: attempt.responseStatus,
      last_error: attempt.error.slice(0, 500),
      first_failed_at: sql`coalesce(first_failed_at, now())`,
      next_attempt_at: sql`now() + make_interval(secs => ${retryInSeconds})`,
      status: sql`case when ${givingUp} then 'failed' else 'pending' end`,
      finished_at: sql`case when ${givingUp} then now() end`,
    })
    .where('id', '=', delivery.id)
    .where('status', '=', 'pending')
    .where('failures', '=', delivery.failures)
    .where(leaseHolds(lease))
    .returning('status')
    .executeTakeFirst();
  if (!row) return 'not_recorded';
  return row.status === 'failed' ? 'given_up' : 'retrying';
}

/**
 * Ends `token`'s lease, and keeps the webhook's failure clock: started by a failure, stopped by a
 * success. Answers since when it has been failing (null: it is not, or the lease was lost).
 */
export async function releaseWebhook(
  db: Kysely<Database>,
  webhookId: string,
  token: string,
  outcome: 'succeeded' | 'failed' | 'idle',
): Promise<Date | null> {
  const failingSince =
    outcome === 'failed'
      ? sql<Date>`coalesce(failing_since, now())`
      : outcome === 'succeeded'
        ? sql<null>`null`
        : sql<Date | null>`failing_since`;
  const row = await db
    .updateTable('webhooks')
    .set({ lease_until: null, lease_token: null, failing_since: failingSince })
    .where('id', '=', webhookId)
    .where('lease_token', '=', token)
    .returning('failing_since')
    .executeTakeFirst();
  return row?.failing_since ?? null;
}

/** Switches off a webhook that has been failing since before `failingBefore`; answers whether. */
export async function deactivateFailingWebhook(
  db: Kysely<Database>,
  webhookId: string,
  failingBefore: Date,
): Promise<boolean> {
  const row = await db
    .updateTable('webhooks')
    .set({ active: false, deactivated_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', webhookId)
    .where('active', '=', true)
    .where('failing_since', '<=', failingBefore)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** A webhook's deliveries newest first, `limit + 1` of them, before `beforeSeq`. */
export function listDeliveries(
  db: Kysely<Database>,
  webhookId: string,
  filter: { status?: DeliveryStatus | undefined; beforeSeq: number | null },
  limit: number,
): Promise<WebhookDeliveryRow[]> {
  let query = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('seq', 'desc')
    .limit(limit + 1);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.beforeSeq !== null) query = query.where('seq', '<', filter.beforeSeq);
  return query.execute();
}

/** Queues a delivery again, at its place in the webhook's order, due now. */
export function requeueDelivery(
  db: Kysely<Database>,
  webhookId: string,
  deliveryId: string,
): Promise<WebhookDeliveryRow | undefined> {
  return db
    .updateTable('webhook_deliveries')
    .set({
      status: 'pending',
      next_attempt_at: sql`now()`,
      first_failed_at: null,
      failures: 0,
      finished_at: null,
    })
    .where('webhook_id', '=', webhookId)
    .where('id', '=', deliveryId)
    .returningAll()
    .executeTakeFirst();
}

/** Pending deliveries of active webhooks, and how long the oldest has waited (seconds). */
export async function queueStats(
  db: Kysely<Database>,
): Promise<{ pending: number; oldestAgeSeconds: number }> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select([
      sql<string>`count(*)`.as('pending'),
      sql<number | null>`extract(epoch from now() - min(d.created_at))::float8`.as('oldest'),
    ])
    .where('d.status', '=', 'pending')
    .where('w.active', '=', true)
    .executeTakeFirstOrThrow();
  return { pending: Number(row.pending), oldestAgeSeconds: row.oldest ?? 0 };
}

/** Deletes up to `batch` finished deliveries older than `cutoff`; answers how many went. */
export async function deleteFinishedDeliveries(
  db: Kysely<Database>,
  cutoff: Date,
  batch: number,
): Promise<number> {
  const result = await db
    .deleteFrom('webhook_deliveries')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('finished_at', '<', cutoff)
        .limit(batch),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Gives a webhook's pending deliveries a fresh start: due now, no failure clock. */
export async function restartPendingDeliveries(
  db: Kysely<Database>,
  webhookId: string,
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: sql`now()`, first_failed_at: null, failures: 0 })
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending')
    .execute();
}

/** Deletes up to `batch` deliveries whose webhook is gone (its project was deleted). */
export async function deleteOrphanDeliveries(db: Kysely<Database>, batch: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_deliveries')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_deliveries as d')
        .select('d.id')
        .where((w) =>
          w.not(
            w.exists(
              w.selectFrom('webhooks as h').select('h.id').whereRef('h.id', '=', 'd.webhook_id'),
            ),
          ),
        )
        .limit(batch),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
