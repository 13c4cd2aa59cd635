import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('projects')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull().check(sql`key ~ '^[A-Z0-9]{2,10}$'`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    // The last item number handed out: numbers are never reused, even after a delete.
    .addColumn('item_counter', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('project_members')
    .addColumn('project_id', 'uuid', (c) =>
      c.notNull().references('projects.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'editor', 'viewer')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('project_members_pkey', ['project_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('project_members_user_idx')
    .on('project_members')
    .columns(['user_id', 'project_id'])
    .execute();

  await db.schema
    .createTable('specifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('project_id', 'uuid', (c) =>
      c.notNull().references('projects.id').onDelete('cascade'),
    )
    .addColumn('title', 'text', (c) => c.notNull())
    // AES-256-GCM ciphertext (v1.<keyId>.…), never plaintext.
    .addColumn('description_enc', 'text')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('draft')
        .check(sql`status in ('draft', 'in_review', 'approved', 'obsolete')`),
    )
    .addColumn('created_by', 'uuid')
    .addColumn('updated_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createIndex('specifications_project_idx')
    .on('specifications')
    .columns(['project_id', 'id'])
    .execute();

  await db.schema
    .createTable('items')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('specification_id', 'uuid', (c) =>
      c.notNull().references('specifications.id').onDelete('cascade'),
    )
    // Denormalized from the specification: access checks and key lookups need no join.
    .addColumn('project_id', 'uuid', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    // Fractional index (base-62 digits): compared byte by byte, hence collation "C".
    .addColumn('order_key', sql`text collate "C"`, (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body_enc', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('draft')
        .check(sql`status in ('draft', 'in_review', 'approved', 'obsolete')`),
    )
    .addColumn('created_by', 'uuid')
    .addColumn('updated_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('items_specification_order_key', ['specification_id', 'order_key'])
    .addUniqueConstraint('items_project_key_key', ['project_id', 'key'])
    .execute();

  await db.schema
    .createTable('item_revisions')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    // No foreign key: a deleted item's history stays readable until its specification goes.
    .addColumn('item_id', 'uuid', (c) => c.notNull())
    .addColumn('specification_id', 'uuid', (c) =>
      c.notNull().references('specifications.id').onDelete('cascade'),
    )
    .addColumn('project_id', 'uuid', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) =>
      c.notNull().check(sql`action in ('created', 'updated', 'moved', 'deleted')`),
    )
    .addColumn('changed_by', 'uuid')
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // The JSON of { field: { before, after } }, encrypted: it holds bodies.
    .addColumn('changes_enc', 'text', (c) => c.notNull())
    .addUniqueConstraint('item_revisions_item_version_key', ['item_id', 'version'])
    .execute();
  await db.schema
    .createIndex('item_revisions_specification_idx')
    .on('item_revisions')
    .column('specification_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('item_revisions').execute();
  await db.schema.dropTable('items').execute();
  await db.schema.dropTable('specifications').execute();
  await db.schema.dropTable('project_members').execute();
  await db.schema.dropTable('projects').execute();
}
