import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { takeBackup } from '../../src/control/commands.js';
import { nextBackupDelayMs } from '../../src/control/control.plugin.js';
import {
  BackupRefusedError,
  pgDump,
  pgRestore,
  pruneBackups,
  restoreEmbedded,
} from '../../src/platform/backup.js';
import { openDatabase } from '../../src/platform/database.js';
import type { Database } from '../../src/platform/schema.js';
import { testConfig } from '../helpers/app.js';
import { TEST_DATABASE_URL } from '../helpers/database.js';
import { createProject, createSpecification, createUser } from '../helpers/factories.js';

type Row = { id: string; title: string; key: string };

async function itemRows(db: Kysely<Database>): Promise<Row[]> {
  return db.selectFrom('items').select(['id', 'title', 'key']).orderBy('id').execute();
}

const onDisk = (dataDir: string) =>
  testConfig({ DATABASE_URL: undefined, DATA_DIR: dataDir, MIGRATE_ON_START: 'true' });

test(
  'a backup taken while writes run restores to a consistent database with the same content',
  { timeout: 120_000 },
  async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gilla-backup-'));
    const config = onDisk(dataDir);
    const app = await buildApp(config);
    await app.ready();
    const user = await createUser(app);
    const project = await createProject(app, user);
    const spec = await createSpecification(app, user, project.id);
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const res = await app.inject({
          method: 'POST',
          url: `/api/v1/specifications/${spec.id}/items`,
          headers: user.auth,
          payload: { title: `Item ${written}`, body: `body ${written}` },
        });
        assert.equal(res.statusCode, 201, res.body);
        written += 1;
      }
    })();
    // Bounded waits: a writer that fails ends the wait, and its error shows.
    const until = async (enough: () => boolean) => {
      for (let i = 0; i < 3000 && !enough(); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(enough(), `only ${written} items written`);
    };
    await until(() => written >= 20);
    const file = path.join(dataDir, 'during-writes.tar.gz');
    await takeBackup({ config, database: app.database, enc: app.encryptor }, file);
    const atBackup = written;
    await until(() => written >= atBackup + 10);
    writing = false;
    await writer;
    const live = await itemRows(app.db);
    await app.close();

    const target = mkdtempSync(path.join(tmpdir(), 'gilla-restored-'));
    assert.equal(await restoreEmbedded(file, target), null);
    const restored = await openDatabase(onDisk(target).database, { warn: () => undefined });
    try {
      const rows = await itemRows(restored.db);
      // A snapshot during the writes: more than before it, fewer than at the end, each item whole.
      assert.ok(rows.length >= 20 && rows.length < live.length, `${rows.length} of ${live.length}`);
      const byId = new Map(live.map((r) => [r.id, r]));
      for (const row of rows) assert.deepEqual(row, byId.get(row.id));
      // Every restored item has its history, and the project its owner: nothing half-written.
      const { rows: orphans } = await sql<{ n: number }>`
      select count(*)::int as n from items i where not exists (
        select 1 from item_revisions r where r.item_id = i.id and r.action = 'created')`.execute(
        restored.db,
      );
      assert.equal(orphans[0]?.n, 0);
    } finally {
      await restored.close();
    }
  },
);

test(
  'a truncated backup or one from a newer Gilla is refused, and the database is left as it was',
  { timeout: 120_000 },
  async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gilla-refuse-'));
    const config = onDisk(dataDir);
    const app = await buildApp(config);
    await app.ready();
    const user = await createUser(app);
    await createProject(app, user, { name: 'Kept' });
    const good = path.join(dataDir, 'good.tar.gz');
    await takeBackup({ config, database: app.database, enc: app.encryptor }, good);
    await app.close();
    const before = readdirSync(path.join(dataDir, 'pgdata')).sort();

    const truncated = path.join(dataDir, 'truncated.tar.gz');
    const whole = readFileSync(good);
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    await assert.rejects(restoreEmbedded(truncated, dataDir), BackupRefusedError);

    // A backup of a database that has a migration this Gilla does not know.
    const newer = await PGlite.create({ loadDataDir: new Blob([whole]) });
    await newer.query(
      `insert into kysely_migration (name, timestamp) values ('2099-01-01T00-from-the-future', now())`,
    );
    const future = path.join(dataDir, 'future.tar.gz');
    writeFileSync(future, Buffer.from(await (await newer.dumpDataDir('gzip')).arrayBuffer()));
    await newer.close();
    await assert.rejects(
      restoreEmbedded(future, dataDir),
      /newer Gilla.*2099-01-01T00-from-the-future/,
    );

    // Nothing moved, and the data is there.
    assert.deepEqual(readdirSync(path.join(dataDir, 'pgdata')).sort(), before);
    assert.ok(!readdirSync(dataDir).some((name) => name.includes('before-restore')));
    const handle = await openDatabase(config.database, { warn: () => undefined });
    try {
      const projects = await handle.db.selectFrom('projects').select('name').execute();
      assert.deepEqual(projects, [{ name: 'Kept' }]);
    } finally {
      await handle.close();
    }
    // A good one restores, keeping the database it replaces beside it.
    const kept = await restoreEmbedded(good, dataDir);
    assert.match(String(kept), /pgdata\.before-restore-/);
  },
);

test('daily backups: kept BACKUP_RETENTION_DAYS, the next a day after the newest', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gilla-prune-'));
  const now = Date.now();
  const day = 86_400_000;
  for (const [name, age] of [
    ['gilla-old.tar.gz', 8 * day],
    ['gilla-recent.tar.gz', 2 * day],
    ['notes.txt', 30 * day],
  ] as const) {
    writeFileSync(path.join(dir, name), 'x');
    const when = new Date(now - age);
    utimesSync(path.join(dir, name), when, when);
  }
  assert.deepEqual(pruneBackups(dir, 7, now), ['gilla-old.tar.gz']);
  assert.deepEqual(readdirSync(dir).sort(), ['gilla-recent.tar.gz', 'notes.txt']);
  // None yet, or overdue: a minute after start; else a day after the newest.
  assert.equal(nextBackupDelayMs(null, now), 60_000);
  assert.equal(nextBackupDelayMs(now - 2 * day, now), 60_000);
  assert.equal(nextBackupDelayMs(now - 6 * 3_600_000, now), 18 * 3_600_000);
});

test(
  'PostgreSQL: pg_dump while the service runs, pg_restore into an empty database; a truncated dump is refused',
  { timeout: 120_000 },
  async (t) => {
    const adminUrl = TEST_DATABASE_URL;
    if (adminUrl === null) return t.skip('TEST_DATABASE_URL not set: needs a PostgreSQL server');
    if (spawnSync('pg_dump', ['--version']).error) {
      return t.skip('pg_dump not installed: needs PostgreSQL client tools (postgresql-client)');
    }
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const names = [`gilla_dump_${process.pid}`, `gilla_restore_${process.pid}`];
    const urls = names.map((name) => {
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    });
    for (const name of names) await admin.query(`drop database if exists ${name}`);
    for (const name of names) await admin.query(`create database ${name}`);
    t.after(async () => {
      for (const name of names) await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    });
    const app = await buildApp(testConfig({ DATABASE_URL: urls[0], MIGRATE_ON_START: 'true' }));
    await app.ready();
    const user = await createUser(app);
    const project = await createProject(app, user);
    await createSpecification(app, user, project.id, { description: 'kept' });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'gilla-pgdump-')), 'gilla.dump');
    await pgDump(urls[0]!, file);
    const expected = await app.db.selectFrom('specifications').selectAll().execute();
    await app.close();

    const truncated = `${file}.truncated`;
    const whole = readFileSync(file);
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
    await assert.rejects(pgRestore(urls[1]!, truncated), BackupRefusedError);

    // Not over a database that has tables: what the backup lacks would stay behind.
    await assert.rejects(pgRestore(urls[0]!, file), /already has \d+ tables/);
    await pgRestore(urls[1]!, file);
    const restored = await openDatabase(testConfig({ DATABASE_URL: urls[1] }).database, {
      warn: () => undefined,
    });
    try {
      assert.deepEqual(
        await restored.db.selectFrom('specifications').selectAll().execute(),
        expected,
      );
    } finally {
      await restored.close();
    }
  },
);
