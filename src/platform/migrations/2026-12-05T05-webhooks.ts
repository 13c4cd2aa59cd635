import { sql, type Kysely } from 'kysely';

/**
 * Webhooks: a project's subscriptions (the signing secret encrypted), and the outbox of their
 * deliveries, written in the transaction of the change they report. `seq` orders a webhook's
 * deliveries; the lease on the webhook keeps two instances from sending to it at once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table webhooks (
      id uuid primary key,
      project_id uuid not null references projects (id) on delete cascade,
      url text not null,
      events text[] not null,
      secret_enc text not null,
      active boolean not null default true,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      failing_since timestamptz,
      deactivated_at timestamptz,
      lease_until timestamptz,
      lease_token uuid
    )`.execute(db);
  await sql`create index webhooks_project on webhooks (project_id, id)`.execute(db);

  // No foreign key to webhooks: its check would lock the webhook's row for every event written
  // (FOR KEY SHARE), which concurrent writers of a busy project contend on. A webhook's
  // deliveries are deleted with it; those of a deleted project's webhooks are pruned.
  await sql`
    create table webhook_deliveries (
      id uuid primary key,
      seq bigint generated always as identity,
      webhook_id uuid not null,
      event_type text not null,
      body text not null,
      status text not null default 'pending'
        check (status in ('pending', 'delivered', 'failed')),
      attempts int not null default 0,
      failures int not null default 0,
      next_attempt_at timestamptz not null default now(),
      first_failed_at timestamptz,
      last_attempt_at timestamptz,
      response_status int,
      last_error text,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`create index webhook_deliveries_page on webhook_deliveries (webhook_id, seq)`.execute(
    db,
  );
  await sql`
    create index webhook_deliveries_pending on webhook_deliveries (webhook_id, seq)
    where status = 'pending'`.execute(db);
  await sql`
    create index webhook_deliveries_finished on webhook_deliveries (finished_at)
    where finished_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhooks').execute();
}
