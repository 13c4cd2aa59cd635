import type { Generated, GeneratedAlways, Selectable } from 'kysely';

/** A project's subscription to some of its events, delivered to `url`. */
export interface WebhookTable {
  id: string;
  project_id: string;
  url: string;
  /** Event types (`item.updated`), families (`item.*`), or `*`. */
  events: string[];
  /** The Standard Webhooks signing secret (`whsec_…`), encrypted. */
  secret_enc: string;
  active: Generated<boolean>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** Since when every attempt has failed; cleared by a success. */
  failing_since: Date | null;
  /** When it was switched off after failing for days (null when an owner switched it). */
  deactivated_at: Date | null;
  /** Until when an instance is sending to it (others leave it alone). */
  lease_until: Date | null;
  /** Which lease that is: only its holder renews or ends it. */
  lease_token: string | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one webhook: the outbox row, and what its attempts gave. */
export interface WebhookDeliveryTable {
  id: string;
  /** The webhook's order of deliveries. */
  seq: GeneratedAlways<number>;
  webhook_id: string;
  event_type: string;
  /** The JSON sent, as it is signed: the same bytes on every attempt. */
  body: string;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  /** Failed attempts since it was last queued (what the next wait is reckoned from). */
  failures: Generated<number>;
  next_attempt_at: Generated<Date>;
  /** When its first attempt failed: retries go on for a day from then. */
  first_failed_at: Date | null;
  last_attempt_at: Date | null;
  response_status: number | null;
  last_error: string | null;
  created_at: Generated<Date>;
  /** When it was delivered or given up. */
  finished_at: Date | null;
}

export type WebhookRow = Selectable<WebhookTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
