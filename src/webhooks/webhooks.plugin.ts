import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import { Gauge } from 'prom-client';
import type { Config } from '../config.js';
import { runUnitOfWork } from '../domain/unit-of-work.js';
import { enqueueMail } from '../mail/outbox.js';
import type { Database } from '../platform/schema.js';
import { destinationAgents } from './destination.js';
import { DEACTIVATE_AFTER_SECONDS } from './retry-schedule.js';
import { createSender } from './sender.js';
import { WebhookWorker } from './webhook-worker.js';
import {
  deactivateFailingWebhook,
  deleteFinishedDeliveries,
  deleteOrphanDeliveries,
  queueStats,
  type LeasedWebhook,
} from './webhooks.repository.js';

/** How often finished deliveries past their retention, and those of deleted projects, are deleted. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const PRUNE_BATCH = 1000;

/** A unit of work of the service itself: no actor, no client. */
const BACKGROUND = { actor: null, client: { ip: null, userAgent: null } };

declare module 'fastify' {
  interface FastifyInstance {
    webhookWorker: WebhookWorker;
  }
}

/**
 * Decorates `app.webhookWorker`, which sends the webhook outbox from when the app is ready until
 * it closes; prunes finished and orphaned deliveries hourly; serves the queue's metrics.
 */
export const webhooksPlugin = fp<{
  config: Config;
  /** Who is mailed when a project's webhook is switched off: its owners' addresses. */
  ownersOf: (db: Kysely<Database>, projectId: string) => Promise<string[]>;
}>(
  async (app, { config, ownersOf }) => {
    const production = config.env === 'production';
    const sender = createSender(
      destinationAgents({ production }),
      { production },
      config.webhooks.timeoutMs,
      `${config.app.name}-Webhooks/${config.app.version}`,
    );

    /** Switches off a webhook failing for days and mails the project's owners. */
    const deactivate = async (webhook: LeasedWebhook, failingSince: Date) => {
      const cutoff = new Date(Date.now() - DEACTIVATE_AFTER_SECONDS * 1000);
      const mailed = await runUnitOfWork(app.workDeps, BACKGROUND, async (tx, { effects }) => {
        if (!(await deactivateFailingWebhook(tx, webhook.id, cutoff))) return 0;
        const owners = await ownersOf(tx, webhook.project_id);
        for (const to of owners) {
          await enqueueMail(tx, app.encryptor, {
            to,
            subject: `${config.app.name}: a webhook was switched off`,
            text: `Every delivery to the webhook at ${webhook.url} (project ${webhook.project_id}) has failed since ${failingSince.toISOString()}, so it has been switched off.\n\nIts undelivered events are kept. Once the receiver works again, switch the webhook back on (PATCH /api/v1/projects/${webhook.project_id}/webhooks/${webhook.id} with {"active": true}) and they are sent in order.\n`,
          });
        }
        effects.afterCommit('mail-kick', () => app.outbox.kick());
        return owners.length;
      });
      app.log.error(
        { webhookId: webhook.id, projectId: webhook.project_id, failingSince, mailed },
        'webhook failing for days; switched off',
      );
    };

    const worker = new WebhookWorker(
      app.db,
      app.encryptor,
      sender,
      app.log,
      { onOutcome: (outcome) => app.metrics.webhookDeliveries.inc({ outcome }), deactivate },
      {
        pollIntervalMs: config.webhooks.pollIntervalMs,
        concurrency: config.webhooks.concurrency,
        attemptTimeoutMs: config.webhooks.timeoutMs,
      },
    );
    app.decorate('webhookWorker', worker);

    const registers = [app.metrics.registry];
    // One query per scrape for both gauges; a database that cannot answer leaves the last values
    // (every other metric is still served).
    let last = { pending: 0, oldestAgeSeconds: 0 };
    let asked: Promise<typeof last> | null = null;
    const stats = () =>
      (asked ??= queueStats(app.db)
        .then((s) => (last = s))
        .catch((err: unknown) => {
          app.log.warn({ err }, 'webhook queue metrics unavailable');
          return last;
        })
        .finally(() => setImmediate(() => (asked = null))));
    new Gauge({
      name: 'gilla_webhook_queue_depth',
      help: 'Deliveries waiting to be sent to active webhooks',
      registers,
      aggregator: 'max',
      async collect() {
        this.set((await stats()).pending);
      },
    });
    new Gauge({
      name: 'gilla_webhook_oldest_pending_seconds',
      help: 'How long the oldest delivery waiting for an active webhook has waited',
      registers,
      aggregator: 'max',
      async collect() {
        this.set((await stats()).oldestAgeSeconds);
      },
    });

    let pruneTimer: NodeJS.Timeout | undefined;
    let pruning: Promise<void> = Promise.resolve();
    const prune = async () => {
      const cutoff = new Date(Date.now() - config.webhooks.retentionDays * 86_400_000);
      try {
        while ((await deleteFinishedDeliveries(app.db, cutoff, PRUNE_BATCH)) === PRUNE_BATCH);
        while ((await deleteOrphanDeliveries(app.db, PRUNE_BATCH)) === PRUNE_BATCH);
      } catch (err) {
        app.log.warn({ err }, 'pruning webhook deliveries failed');
      }
    };
    app.addHook('onReady', () => {
      worker.start();
      pruning = prune();
      pruneTimer = setInterval(() => {
        pruning = prune();
      }, PRUNE_INTERVAL_MS).unref();
      return Promise.resolve();
    });
    app.addHook('preClose', async () => {
      clearInterval(pruneTimer);
      await Promise.all([worker.stop(), pruning]);
    });
    await Promise.resolve();
  },
  { name: 'webhooks', dependencies: ['database', 'encryption', 'metrics', 'mail', 'unit-of-work'] },
);
