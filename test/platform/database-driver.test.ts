import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { toProblem } from '../../src/http/problem.js';
import {
  openDatabase,
  openPgliteThread,
  isUniqueViolation,
  type DatabaseHandle,
} from '../../src/platform/database.js';
import { classifyDatabaseError } from '../../src/platform/database-errors.js';
import { PgliteThread, PgliteThreadDialect } from '../../src/platform/embedded/index.js';
import type { Database } from '../../src/platform/schema.js';
import { freePort } from '../helpers/services.js';
import { pgliteTemplate, TEST_DATABASE_URL } from '../helpers/database.js';

// The contract both database drivers keep for the rest of the service (the embedded thread of
// platform/embedded/ and node-postgres's pool): what errors look like, what a transaction
// isolates, and how "the database is gone" shows. Each test runs against both, PostgreSQL
// when TEST_DATABASE_URL is set.

const silent = { warn: () => undefined };
type Notes = { contract_notes: { id: number; body: string } };

interface Driver {
  name: string;
  open(): Promise<DatabaseHandle>;
}

const drivers: Driver[] = [
  { name: 'embedded', open: async () => openPgliteThread({ dump: await pgliteTemplate() }) },
];
if (TEST_DATABASE_URL !== null) {
  const url = TEST_DATABASE_URL;
  drivers.push({
    name: 'PostgreSQL',
    open: () =>
      openDatabase(
        { url, dataDir: null, migrateOnStart: false, poolMax: 4, timeoutMs: 5000, caFile: null },
        silent,
      ),
  });
}

async function withNotes<T>(
  driver: Driver,
  run: (db: Kysely<Database & Notes>) => Promise<T>,
): Promise<T> {
  const handle = await driver.open();
  const db = handle.db.withTables<Notes>();
  const table = `contract_notes`;
  try {
    await sql`create temporary table if not exists ${sql.table(table)} (id int primary key, body text not null)`.execute(
      db,
    );
    return await run(db);
  } finally {
    await handle.close();
  }
}

for (const driver of drivers) {
  test(`${driver.name}: a server error keeps its SQLSTATE, and the next query runs`, async () => {
    await withNotes(driver, async (db) => {
      await db.insertInto('contract_notes').values({ id: 1, body: 'first' }).execute();
      const duplicate = await db
        .insertInto('contract_notes')
        .values({ id: 1, body: 'again' })
        .execute()
        .then(
          () => null,
          (e: unknown) => e,
        );
      assert.ok(isUniqueViolation(duplicate), String(duplicate));
      const badUuid = await sql`select 'not-a-uuid'::uuid`.execute(db).then(
        () => null,
        (e: unknown) => e,
      );
      assert.equal((badUuid as { code?: string }).code, '22P02');
      assert.equal(classifyDatabaseError(badUuid), 'bad_data');
      assert.equal(toProblem(badUuid).problem.status, 400);
      const rows = await db.selectFrom('contract_notes').select('body').execute();
      assert.deepEqual(rows, [{ body: 'first' }]);
    });
  });

  test(`${driver.name}: a transaction's writes are unseen until it commits, and gone if it fails`, async () => {
    // A real table: a temporary one belongs to a single session.
    const handle = await driver.open();
    after(() => handle.close());
    const name = `contract_${driver.name === 'embedded' ? 'e' : 'p'}_${process.pid}`;
    const db = handle.db;
    await sql`create table ${sql.table(name)} (id int primary key)`.execute(db);
    try {
      const count = async () =>
        Number(
          (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)}`.execute(db))
            .rows[0]?.n,
        );
      let seenInside = -1;
      let seenOutside: Promise<number> = Promise.resolve(-1);
      await db.transaction().execute(async (tx) => {
        await sql`insert into ${sql.table(name)} values (1)`.execute(tx);
        // PostgreSQL answers from another connection at once; the embedded database has one
        // session, so a query from outside waits for the transaction to end.
        seenOutside = driver.name === 'embedded' ? count() : Promise.resolve(await count());
        seenInside = Number(
          (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)}`.execute(tx))
            .rows[0]?.n,
        );
      });
      assert.equal(seenInside, 1);
      assert.equal(await seenOutside, driver.name === 'embedded' ? 1 : 0);
      await assert.rejects(
        db.transaction().execute(async (tx) => {
          await sql`insert into ${sql.table(name)} values (2)`.execute(tx);
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.equal(await count(), 1);
    } finally {
      await sql`drop table ${sql.table(name)}`.execute(db);
    }
  });
}

test('embedded: a stopped database fails queries as unavailable (503)', async () => {
  const thread = await PgliteThread.open({ dataDir: null });
  const db = new Kysely<Database>({ dialect: new PgliteThreadDialect(thread) });
  await thread.close();
  const err = await sql`select 1`.execute(db).then(
    () => null,
    (e: unknown) => e,
  );
  assert.equal(classifyDatabaseError(err), 'unavailable', String(err));
  assert.equal(toProblem(err).problem.status, 503);
});

test('PostgreSQL: a server nobody listens on fails queries as unavailable (503), by kind', async () => {
  const port = await freePort();
  const handle = await openDatabase(
    {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      dataDir: null,
      migrateOnStart: false,
      poolMax: 1,
      timeoutMs: 1000,
      caFile: null,
    },
    silent,
  );
  after(() => handle.close());
  const err = await sql`select 1`.execute(handle.db).then(
    () => null,
    (e: unknown) => e,
  );
  assert.equal(classifyDatabaseError(err), 'unavailable', String(err));
  const { problem, headers } = toProblem(err);
  assert.equal(problem.status, 503);
  assert.equal(problem.code, 'unavailable');
  assert.equal(headers['retry-after'], '5');
});

test('PostgreSQL: a database that refuses connections (55000) answers 503 and applies nothing', async (t) => {
  if (TEST_DATABASE_URL === null)
    return t.skip('TEST_DATABASE_URL not set: needs a PostgreSQL server');
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  const name = `gilla_refusing_${process.pid}`;
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  t.after(async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = await openDatabase(
    {
      url: url.toString(),
      dataDir: null,
      migrateOnStart: false,
      poolMax: 2,
      timeoutMs: 2000,
      caFile: null,
    },
    silent,
  );
  t.after(() => handle.close());
  await admin.query(`alter database ${name} allow_connections false`);
  const err = await sql`create table refused (id int)`.execute(handle.db).then(
    () => null,
    (e: unknown) => e,
  );
  // Refused at connection time: 55000, "database does not allow connections".
  assert.equal(((err as Error).cause as { code?: string }).code, '55000', String(err));
  assert.equal(classifyDatabaseError(err), 'unavailable');
  assert.equal(toProblem(err).problem.status, 503);
  await admin.query(`alter database ${name} allow_connections true`);
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.tables where table_name = 'refused'`.execute(
    handle.db,
  );
  assert.equal(rows[0]?.n, 0);
});

test('every "the database is not there" SQLSTATE answers 503 with Retry-After, never 500', () => {
  for (const code of ['53300', '53100', '57P01', '57P02', '57P03', '57014', '08006', '08001']) {
    const { problem, headers } = toProblem(Object.assign(new Error('x'), { code }));
    assert.equal(problem.status, 503, code);
    assert.ok(Number(headers['retry-after']) >= 1, code);
  }
  for (const code of ['40001', '40P01']) {
    const { problem, headers } = toProblem(Object.assign(new Error('x'), { code }));
    assert.equal(problem.status, 503, code);
    assert.equal(headers['retry-after'], '1', code);
  }
  // A message alone classifies nothing: an error with no SQLSTATE or network code is a bug.
  assert.equal(toProblem(new Error('Connection terminated unexpectedly')).problem.status, 500);
  // Nor does a SQLSTATE that only means "not now" when connecting.
  assert.equal(toProblem(Object.assign(new Error('x'), { code: '55000' })).problem.status, 500);
});
