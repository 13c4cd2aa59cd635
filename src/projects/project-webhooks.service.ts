import type { Kysely } from 'kysely';
import { recordEvent } from '../audit/audit.service.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import type { DestinationPolicy } from '../webhooks/destination.js';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveriesPage,
  listProjectWebhooks,
  retryDelivery,
  updateWebhook,
  type Delivery,
  type Webhook,
} from '../webhooks/webhooks.service.js';
import type { DeliveryStatus } from '../webhooks/webhooks.table.js';
import { requireRole } from './project-access.js';
import { lockProjectOfUser } from './projects.service.js';

/** A project's webhooks: its owners register, read and change them; each change is audited. */
const ownerOf = (db: Kysely<Database>, { actor }: Context, projectId: string) =>
  requireRole(db, projectId, actor.userId, 'owner');

export async function registerWebhook(
  tx: Kysely<Database>,
  ctx: Context,
  policy: DestinationPolicy,
  projectId: string,
  input: { url: string; events: string[] },
): Promise<Webhook & { secret: string }> {
  // Locked: two registrations at once count the project's webhooks one after the other.
  await lockProjectOfUser(tx, projectId, ctx.actor.userId, 'owner');
  const webhook = await createWebhook(tx, ctx.enc, policy, projectId, ctx.actor.userId, input);
  await recordEvent(tx, ctx, {
    type: 'webhook.created',
    targetType: 'webhook',
    targetId: webhook.id,
    projectId,
    details: { url: webhook.url, events: webhook.events },
  });
  return webhook;
}

export async function projectWebhooks(
  db: Kysely<Database>,
  ctx: Context,
  projectId: string,
): Promise<Webhook[]> {
  await ownerOf(db, ctx, projectId);
  return listProjectWebhooks(db, projectId);
}

export async function projectWebhook(
  db: Kysely<Database>,
  ctx: Context,
  projectId: string,
  webhookId: string,
): Promise<Webhook> {
  await ownerOf(db, ctx, projectId);
  return getWebhook(db, projectId, webhookId);
}

export async function changeWebhook(
  tx: Kysely<Database>,
  ctx: Context,
  policy: DestinationPolicy,
  projectId: string,
  webhookId: string,
  patch: { url?: string | undefined; events?: string[] | undefined; active?: boolean | undefined },
): Promise<Webhook> {
  await ownerOf(tx, ctx, projectId);
  const { before, after } = await updateWebhook(tx, policy, projectId, webhookId, patch);
  const changed = (['url', 'events', 'active'] as const).filter(
    (f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]),
  );
  if (changed.length > 0) {
    await recordEvent(tx, ctx, {
      type: 'webhook.updated',
      targetType: 'webhook',
      targetId: webhookId,
      projectId,
      details: Object.fromEntries(changed.map((f) => [f, after[f]])),
    });
  }
  return after;
}

export async function removeWebhook(
  tx: Kysely<Database>,
  ctx: Context,
  projectId: string,
  webhookId: string,
): Promise<void> {
  await ownerOf(tx, ctx, projectId);
  const webhook = await deleteWebhook(tx, projectId, webhookId);
  await recordEvent(tx, ctx, {
    type: 'webhook.deleted',
    targetType: 'webhook',
    targetId: webhookId,
    projectId,
    details: { url: webhook.url },
  });
}

export async function webhookDeliveries(
  db: Kysely<Database>,
  ctx: Context,
  projectId: string,
  webhookId: string,
  query: { limit: number; cursor?: string | undefined; status?: DeliveryStatus | undefined },
): Promise<{ data: Delivery[]; nextCursor: string | null }> {
  await ownerOf(db, ctx, projectId);
  return listDeliveriesPage(db, projectId, webhookId, query);
}

export async function redeliver(
  tx: Kysely<Database>,
  ctx: Context,
  projectId: string,
  webhookId: string,
  deliveryId: string,
): Promise<Delivery> {
  await ownerOf(tx, ctx, projectId);
  return retryDelivery(tx, ctx.effects, projectId, webhookId, deliveryId);
}
