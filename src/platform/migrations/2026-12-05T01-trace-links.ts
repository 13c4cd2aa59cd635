import { sql, type Kysely } from 'kysely';

/**
 * Trace links: each project's link types (the six defaults given to every existing project) and
 * typed links between items. A link goes when either of its items goes (cascade); the service
 * refuses to remove a type while links use it, and the foreign key checks that at the commit. Link changes are recorded in the source item's revisions.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('link_types')
    .addColumn('project_id', 'uuid', (c) =>
      c.notNull().references('projects.id').onDelete('cascade'),
    )
    .addColumn('key', 'text', (c) => c.notNull().check(sql`key ~ '^[a-z][a-z0-9_]{1,31}$'`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('inverse_name', 'text', (c) => c.notNull())
    // A hierarchical type's links may not form a cycle.
    .addColumn('hierarchical', 'boolean', (c) => c.notNull().defaultTo(false))
    // A change to one of these fields of a link's target makes the link suspect.
    .addColumn('suspect_fields', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{title,body}'`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('link_types_pkey', ['project_id', 'key'])
    .execute();
  await sql`
    insert into link_types (project_id, key, name, inverse_name, hierarchical)
    select p.id, d.key, d.name, d.inverse_name, d.hierarchical
    from projects p cross join (values
      ('parent', 'child of', 'parent of', true),
      ('verifies', 'verifies', 'verified by', false),
      ('implements', 'implements', 'implemented by', false),
      ('refines', 'refines', 'refined by', false),
      ('depends_on', 'depends on', 'needed by', false),
      ('relates_to', 'relates to', 'relates to', false)
    ) as d (key, name, inverse_name, hierarchical)
  `.execute(db);

  await db.schema
    .createTable('item_links')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('project_id', 'uuid', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('source_id', 'uuid', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('target_id', 'uuid', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('suspect', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('suspect_since', 'timestamptz')
    .addColumn('created_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addCheckConstraint('item_links_not_self', sql`source_id <> target_id`)
    // One link per (source, type, target), also under concurrent creates.
    .addUniqueConstraint('item_links_source_type_target_key', ['source_id', 'type', 'target_id'])
    // Checked at the commit: deleting a project removes its types and (through its items) its
    // links in one transaction, in whichever order its cascades run, and touches no link row on
    // the way to a type. Removing a type in use is refused by the service before it gets here.
    .addForeignKeyConstraint(
      'item_links_type_fkey',
      ['project_id', 'type'],
      'link_types',
      ['project_id', 'key'],
      (fk) => fk.deferrable().initiallyDeferred(),
    )
    .execute();
  // An item's links in creation order, each way (link pages, impact, suspect marking, coverage);
  // by type (cycle checks, type removal).
  await db.schema
    .createIndex('item_links_source_idx')
    .on('item_links')
    .columns(['source_id', 'id'])
    .execute();
  await db.schema
    .createIndex('item_links_target_idx')
    .on('item_links')
    .columns(['target_id', 'id'])
    .execute();
  await db.schema
    .createIndex('item_links_project_type_idx')
    .on('item_links')
    .columns(['project_id', 'type'])
    .execute();
  await db.schema
    .createIndex('item_links_suspect_idx')
    .on('item_links')
    .columns(['project_id', 'id'])
    .where(sql.ref('suspect'), '=', true)
    .execute();

  // Link changes are recorded in the source item's history.
  await sql`alter table item_revisions drop constraint item_revisions_action_check`.execute(db);
  await sql`
    alter table item_revisions add constraint item_revisions_action_check check (action in
      ('created', 'updated', 'moved', 'deleted', 'linked', 'unlinked', 'link_cleared'))
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from item_revisions where action in ('linked', 'unlinked', 'link_cleared')`.execute(
    db,
  );
  await sql`alter table item_revisions drop constraint item_revisions_action_check`.execute(db);
  await sql`
    alter table item_revisions add constraint item_revisions_action_check check (action in
      ('created', 'updated', 'moved', 'deleted'))
  `.execute(db);
  await db.schema.dropTable('item_links').execute();
  await db.schema.dropTable('link_types').execute();
}
