import { sql, type Kysely } from 'kysely';

/**
 * Imports: an item or specification remembers how the file it came from named it (a ReqIF
 * IDENTIFIER, another project's id, a CSV key), so that importing the file again matches instead
 * of duplicating; an item keeps the attributes Gilla has no field for (encrypted JSON).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('items').addColumn('external_id', 'text').execute();
  await db.schema.alterTable('items').addColumn('attributes_enc', 'text').execute();
  await db.schema.alterTable('specifications').addColumn('external_id', 'text').execute();
  await sql`
    create unique index items_external_id_key on items (project_id, external_id)
    where external_id is not null
  `.execute(db);
  await sql`
    create unique index specifications_external_id_key on specifications (project_id, external_id)
    where external_id is not null
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('specifications_external_id_key').execute();
  await db.schema.dropIndex('items_external_id_key').execute();
  await db.schema.alterTable('specifications').dropColumn('external_id').execute();
  await db.schema.alterTable('items').dropColumn('attributes_enc').execute();
  await db.schema.alterTable('items').dropColumn('external_id').execute();
}
