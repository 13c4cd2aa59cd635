import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { test } from 'node:test';
import { migrations } from '../../src/platform/migrations/index.js';
import { migrateDown, migrateUp, migrationStatus } from '../../src/platform/migrator.js';
import { setupTestEnv } from '../helpers/app.js';

const env = await setupTestEnv();

test('migrations go all the way down and up again', async () => {
  const db = env.database.handle.db;
  const names = Object.keys(migrations);
  for (let i = 0; i < names.length; i++) {
    const reverted = await migrateDown(db);
    assert.deepEqual(reverted, [names[names.length - 1 - i]]);
  }
  assert.ok((await migrationStatus(db)).every((m) => m.executedAt === null));
  const tables = await db.introspection.getTables();
  assert.deepEqual(
    tables.map((t) => t.name).filter((n) => !n.startsWith('kysely_')),
    [],
  );
  assert.deepEqual(await migrateUp(db), names);
  assert.ok((await migrationStatus(db)).every((m) => m.executedAt !== null));
  assert.deepEqual(await migrateUp(db), []);
});

test('users carry their linked providers: filled in for existing links, kept on link and unlink', async () => {
  const db = env.database.handle.db;
  const later = Object.keys(migrations).filter((n) => n > '2026-11-30T00-user-identity-providers');
  for (const name of [...later].reverse()) assert.deepEqual(await migrateDown(db), [name]);
  assert.deepEqual(await migrateDown(db), ['2026-11-30T00-user-identity-providers']);
  const users = ['01937000-0000-7000-8000-00000000000a', '01937000-0000-7000-8000-00000000000b'];
  for (const [i, id] of users.entries()) {
    await sql`insert into users (id, email) values (${id}, ${`p${i}@example.com`})`.execute(db);
  }
  const link = (n: number, user: string, provider: string) =>
    sql`insert into user_identities (id, user_id, provider, issuer, subject)
      values (${`01937000-0000-7000-8000-0000000000${n}0`}, ${user}, ${provider}, 'iss', ${`s${n}`})`.execute(
      db,
    );
  await link(1, users[0]!, 'github');
  await link(2, users[0]!, 'google');
  const providers = async () =>
    (
      await sql<{ id: string; p: string[] }>`select id, identity_providers as p from users
        where id in (${users[0]}, ${users[1]}) order by id`.execute(db)
    ).rows.map((r) => r.p);

  assert.deepEqual(await migrateUp(db), ['2026-11-30T00-user-identity-providers', ...later]);
  assert.deepEqual(await providers(), [['github', 'google'], []]);

  await link(3, users[1]!, 'oidc');
  await sql`delete from user_identities where provider = 'github'`.execute(db);
  assert.deepEqual(await providers(), [['google'], ['oidc']]);
  await sql`update user_identities set user_id = ${users[1]} where provider = 'google'`.execute(db);
  assert.deepEqual(await providers(), [[], ['google', 'oidc']]);
  await sql`delete from users where id in (${users[0]}, ${users[1]})`.execute(db);
});

test('successors are indexed by session and time of use, for clearing the expired ones', async () => {
  const db = env.database.handle.db;
  const { rows } = await sql<{ indexdef: string }>`
    select indexdef from pg_indexes where indexname = 'refresh_tokens_successor_idx'`.execute(db);
  assert.equal(rows.length, 1);
  assert.match(rows[0]!.indexdef, /\(session_id, used_at\) WHERE \(successor_enc IS NOT NULL\)/);
});

test('projects that existed before trace links get the six default link types', async () => {
  const db = env.database.handle.db;
  const later = Object.keys(migrations).filter((n) => n > '2026-12-05T01-trace-links');
  for (const name of [...later].reverse()) assert.deepEqual(await migrateDown(db), [name]);
  assert.deepEqual(await migrateDown(db), ['2026-12-05T01-trace-links']);
  const id = '01937000-0000-7000-8000-0000000000c1';
  await sql`insert into projects (id, key, name) values (${id}, 'OLD', 'Old project')`.execute(db);
  assert.deepEqual(await migrateUp(db), ['2026-12-05T01-trace-links', ...later]);
  const { rows } = await sql<{ key: string; hierarchical: boolean; suspect_fields: string[] }>`
    select key, hierarchical, suspect_fields from link_types where project_id = ${id} order by key`.execute(
    db,
  );
  assert.deepEqual(
    rows.map((r) => [r.key, r.hierarchical, r.suspect_fields]),
    [
      ['depends_on', false, ['title', 'body']],
      ['implements', false, ['title', 'body']],
      ['parent', true, ['title', 'body']],
      ['refines', false, ['title', 'body']],
      ['relates_to', false, ['title', 'body']],
      ['verifies', false, ['title', 'body']],
    ],
  );
  await sql`delete from projects where id = ${id}`.execute(db);
});
