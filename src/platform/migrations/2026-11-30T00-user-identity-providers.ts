import { sql, type Kysely } from 'kysely';

/**
 * Each user carries the providers linked to it (the API's `providers`), kept by a trigger on
 * `user_identities` in the same transaction as the link or unlink. Reading a user is then one
 * primary-key lookup: the correlated subquery it replaces cost more to plan than the lookup itself.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('identity_providers', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
  await sql`
    create function gilla_sync_identity_providers() returns trigger language plpgsql as $$
    begin
      update users u
        set identity_providers = array(
          select i.provider from user_identities i where i.user_id = u.id order by i.provider)
        -- NEW is null on delete, OLD on insert; an update may move a row between users.
        where u.id in (new.user_id, old.user_id);
      return null;
    end $$`.execute(db);
  await sql`
    create trigger user_identities_sync_providers
      after insert or delete or update of user_id, provider on user_identities
      for each row execute function gilla_sync_identity_providers()`.execute(db);
  await sql`
    update users u set identity_providers = array(
      select i.provider from user_identities i where i.user_id = u.id order by i.provider)
    where exists (select 1 from user_identities i where i.user_id = u.id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger user_identities_sync_providers on user_identities`.execute(db);
  await sql`drop function gilla_sync_identity_providers()`.execute(db);
  await db.schema.alterTable('users').dropColumn('identity_providers').execute();
}
