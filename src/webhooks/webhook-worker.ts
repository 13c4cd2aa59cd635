import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import { Webhook as Signer } from 'standardwebhooks';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import { RecurringPass } from '../platform/recurring-pass.js';
import { onDeliveriesQueued } from './queue-signal.js';
import {
  DEACTIVATE_AFTER_SECONDS,
  RETRY_FOR_SECONDS,
  retryDelaySeconds,
} from './retry-schedule.js';
import type { Sender } from './sender.js';
import {
  leaseDueWebhooks,
  markAttemptFailed,
  markDelivered,
  pendingDeliveries,
  releaseWebhook,
  renewLease,
  type LeasedWebhook,
} from './webhooks.repository.js';

/**
 * An instance starts no new attempt on a webhook after this long, and lets it go to be leased
 * afresh; the lease lasts longer than that plus one attempt, so it never runs out mid-send.
 */
const MAX_WORK_PER_LEASE_MS = 30_000;
const leaseSeconds = (attemptTimeoutMs: number) =>
  Math.ceil((MAX_WORK_PER_LEASE_MS + attemptTimeoutMs) / 1000) + 30;
/** How long after a kick its pass starts; the kicks meanwhile share it. */
const KICK_DELAY_MS = 25;
/** Deliveries read at a time. */
const BATCH = 50;

export type DeliveryOutcome = 'delivered' | 'failed' | 'given_up';

interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WorkerHooks {
  onOutcome(outcome: DeliveryOutcome): void;
  /** A webhook has failed for days: switch it off and tell the project's owners (once). */
  deactivate(webhook: LeasedWebhook, failingSince: Date): Promise<void>;
}

/**
 * Sends the webhook outbox: on a timer, and at once when deliveries are committed in this
 * process. Each webhook's deliveries go one at a time in order, and only by the instance that
 * holds its lease; up to `concurrency` webhooks are served at once.
 */
export class WebhookWorker {
  private readonly passes: RecurringPass;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly enc: Encryptor,
    private readonly sender: Sender,
    private readonly log: Logger,
    private readonly hooks: WorkerHooks,
    private readonly options: {
      pollIntervalMs: number;
      concurrency: number;
      attemptTimeoutMs: number;
    },
  ) {
    // Kicks within a few milliseconds of each other (the commits of a busy service) share a
    // pass, so a burst of writes does not cost a lease query each.
    this.passes = new RecurringPass(
      () => this.drain(),
      (err) => this.log.warn({ err }, 'webhook pass failed'),
      {
        intervalMs: options.pollIntervalMs,
        kickDelayMs: KICK_DELAY_MS,
        whileRunning: () => this.wake(),
      },
    );
  }

  start(): void {
    this.unsubscribe = onDeliveriesQueued(() => this.kick());
    this.passes.start();
  }

  /** Runs a pass soon. */
  kick(): void {
    this.passes.kick();
  }

  /** Stops taking work, ends the attempts under way (retried later), closes the connections. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.sender.abort();
    await this.passes.stop();
    await this.sender.close();
  }

  /** Wakes a pass that waits on the webhooks it serves: more may be due (a kick, a poll). */
  private wake: () => void = () => undefined;

  private async drain(): Promise<void> {
    const serving = new Map<string, Promise<void>>();
    try {
      for (;;) {
        const room = this.options.concurrency - serving.size;
        if (!this.passes.stopping && room > 0) {
          const token = randomUUID();
          const leased = await leaseDueWebhooks(this.db, {
            limit: room,
            seconds: leaseSeconds(this.options.attemptTimeoutMs),
            token,
            except: [...serving.keys()],
          });
          for (const webhook of leased) {
            const served = this.serve({ ...webhook, token })
              .catch((err: unknown) =>
                this.log.warn({ err, webhookId: webhook.id }, 'sending to a webhook failed'),
              )
              .finally(() => serving.delete(webhook.id));
            serving.set(webhook.id, served);
          }
          if (leased.length === room) continue;
        }
        if (serving.size === 0) return;
        // A slow receiver must not hold up the others: a kick or a poll meanwhile fills free room.
        const woken = new Promise<void>((resolve) => (this.wake = resolve));
        await Promise.race([...serving.values(), woken]);
      }
    } finally {
      this.wake = () => undefined;
      // A failed lease query must not leave sends running that stop() would not wait for.
      await Promise.allSettled(serving.values());
    }
  }

  /**
   * Sends a leased webhook's due deliveries in order, until one fails, time is up, or the lease
   * no longer holds (deleted, switched off, pointed elsewhere). A failure here (the database, a
   * secret under a dropped key) keeps the lease until it runs out: the webhook is tried again in
   * a minute, not in a loop.
   */
  private async serve(webhook: LeasedWebhook & { token: string }): Promise<void> {
    const started = Date.now();
    const timeLeft = () => !this.passes.stopping && Date.now() - started < MAX_WORK_PER_LEASE_MS;
    const lease = { webhookId: webhook.id, token: webhook.token, url: webhook.url };
    let outcome: 'succeeded' | 'failed' | 'idle' = 'idle';
    const target = { url: webhook.url, signer: new Signer(this.enc.decrypt(webhook.secret_enc)) };
    sending: while (timeLeft()) {
      const renewed =
        outcome === 'idle' ||
        (await renewLease(this.db, lease, leaseSeconds(this.options.attemptTimeoutMs)));
      if (!renewed) break;
      const batch = await pendingDeliveries(this.db, webhook.id, BATCH);
      for (const delivery of batch) {
        if (!delivery.due || !timeLeft()) break sending;
        const result = await this.sender.send(target, delivery);
        if (result.ok) {
          if (!(await markDelivered(this.db, lease, delivery.id, result.responseStatus))) {
            break sending;
          }
          outcome = 'succeeded';
          this.hooks.onOutcome('delivered');
          continue;
        }
        const recorded = await markAttemptFailed(
          this.db,
          lease,
          delivery,
          result,
          retryDelaySeconds(delivery.failures + 1),
          RETRY_FOR_SECONDS,
        );
        if (recorded === 'not_recorded') break sending;
        outcome = 'failed';
        this.hooks.onOutcome(recorded === 'given_up' ? 'given_up' : 'failed');
        const context = { webhookId: webhook.id, deliveryId: delivery.id, error: result.error };
        if (recorded === 'given_up') {
          this.log.error(context, 'webhook delivery failed for a day; given up');
        } else {
          this.log.warn(context, 'webhook delivery failed; will retry');
        }
        break sending;
      }
      if (batch.length < BATCH) break;
    }
    const failingSince = await releaseWebhook(this.db, webhook.id, webhook.token, outcome);
    if (
      failingSince !== null &&
      Date.now() - failingSince.getTime() >= DEACTIVATE_AFTER_SECONDS * 1000
    ) {
      await this.hooks.deactivate(webhook, failingSince);
    }
  }
}
