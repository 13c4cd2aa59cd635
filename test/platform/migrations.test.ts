import assert from 'node:assert/strict';
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
