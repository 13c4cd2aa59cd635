import { sql, type Kysely } from 'kysely';

/**
 * Baselines: immutable snapshots of a specification, each item as it was (body still encrypted)
 * with its outgoing links; they go with their specification. Approvals: electronic signatures of
 * an item or a baseline, bound to its version and content hash. They are never changed (a trigger
 * refuses an update) and go only with their specification, so the approvals of a deleted item or
 * baseline stay on record.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('baselines')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('project_id', 'uuid', (c) => c.notNull())
    .addColumn('specification_id', 'uuid', (c) =>
      c.notNull().references('specifications.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description_enc', 'text')
    // The specification's title when the baseline was taken (exports name it).
    .addColumn('specification_title', 'text', (c) => c.notNull())
    .addColumn('item_count', 'integer', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // A specification's baselines, newest first (ids are UUIDv7).
  await db.schema
    .createIndex('baselines_specification_idx')
    .on('baselines')
    .columns(['specification_id', 'id'])
    .execute();

  await db.schema
    .createTable('baseline_items')
    // Key rotation walks encrypted columns by a single-column key.
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('baseline_id', 'uuid', (c) =>
      c.notNull().references('baselines.id').onDelete('cascade'),
    )
    // 1, 2, 3 … in document order.
    .addColumn('position', 'integer', (c) => c.notNull())
    // The live item's id; no foreign key: the snapshot outlives the item.
    .addColumn('item_id', 'uuid', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('specification_id', 'uuid', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body_enc', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'uuid')
    .addColumn('updated_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    // Outgoing links: [{ type, target: { id, key, title, specificationId } }] by type, target id.
    .addColumn('links', 'jsonb', (c) => c.notNull())
    .addUniqueConstraint('baseline_items_position_key', ['baseline_id', 'position'])
    // The old side of a diff is fetched by item id.
    .addUniqueConstraint('baseline_items_item_key', ['baseline_id', 'item_id'])
    .execute();

  await db.schema
    .createTable('approvals')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('project_id', 'uuid', (c) => c.notNull())
    .addColumn('specification_id', 'uuid', (c) =>
      c.notNull().references('specifications.id').onDelete('cascade'),
    )
    .addColumn('subject', 'text', (c) => c.notNull().check(sql`subject in ('item', 'baseline')`))
    // No foreign key: the signature stays when its item or baseline goes.
    .addColumn('subject_id', 'uuid', (c) => c.notNull())
    .addColumn('subject_version', 'integer', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('meaning', 'text', (c) =>
      c.notNull().check(sql`meaning in ('approved', 'reviewed', 'rejected')`),
    )
    .addColumn('comment', 'text')
    // The signer as they were named when signing (21 CFR 11.50: the printed name).
    .addColumn('signed_by', 'uuid', (c) => c.notNull())
    .addColumn('signer_email', 'text', (c) => c.notNull())
    .addColumn('signer_name', 'text')
    .addColumn('signed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // A specification's deletion finds its approvals (the cascade).
  await db.schema
    .createIndex('approvals_specification_idx')
    .on('approvals')
    .column('specification_id')
    .execute();
  await db.schema
    .createIndex('approvals_subject_idx')
    .on('approvals')
    .columns(['subject_id', 'id'])
    .execute();
  await sql`
    create function approvals_refuse_update() returns trigger language plpgsql as $$
    begin
      raise exception 'approvals are never changed' using errcode = 'integrity_constraint_violation';
    end $$
  `.execute(db);
  await sql`
    create trigger approvals_never_change before update on approvals
    for each row execute function approvals_refuse_update()
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('approvals').execute();
  await sql`drop function approvals_refuse_update()`.execute(db);
  await db.schema.dropTable('baseline_items').execute();
  await db.schema.dropTable('baselines').execute();
}
