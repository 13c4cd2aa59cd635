import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Worker } from 'node:worker_threads';
import path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { isUniqueViolation, openPgliteThread } from '../../../src/platform/database.js';
import { PgliteThread } from '../../../src/platform/embedded/index.js';
import { pgliteTemplate } from '../../helpers/database.js';

// The embedded database as the service runs it, on its own thread, with a table of its own.
const handle = await openPgliteThread({ dump: await pgliteTemplate() });
after(() => handle.close());
const db = handle.db.withTables<{ notes: { id: number; body: string; ref: number | null } }>();
await sql`create table notes (id int primary key, body text not null,
  ref int references notes (id) deferrable initially deferred)`.execute(db);

async function bodies(): Promise<string[]> {
  const rows = await db.selectFrom('notes').select('body').orderBy('id').execute();
  return rows.map((r) => r.body);
}

test('embedded database thread: a PostgreSQL error keeps its code, and the next query runs', async () => {
  await db.insertInto('notes').values({ id: 1, body: 'first' }).execute();
  const err = await db
    .insertInto('notes')
    .values({ id: 1, body: 'again' })
    .execute()
    .then(
      () => null,
      (e: unknown) => e,
    );
  assert.ok(err instanceof Error);
  assert.equal((err as { code?: string }).code, '23505');
  assert.ok(isUniqueViolation(err));
  assert.match(err.message, /duplicate key/);
  assert.deepEqual(await bodies(), ['first']);
  await db.deleteFrom('notes').execute();
});

test('embedded database thread: many queries at once all run, in the order they were sent', async () => {
  const ids = Array.from({ length: 50 }, (_, i) => i + 1);
  const results = await Promise.all(
    ids.map((id) =>
      db
        .insertInto('notes')
        .values({ id, body: `n${id}` })
        .returning(sql<number>`(select count(*) from notes)::int`.as('seen'))
        .executeTakeFirstOrThrow(),
    ),
  );
  // Each insert saw the ones sent before it and none after.
  assert.deepEqual(
    results.map((r) => r.seen),
    ids.map((id) => id - 1),
  );
  await db.deleteFrom('notes').execute();
});

test('embedded database thread: a transaction has the session to itself until it ends', async () => {
  // Set inside the transactions' callbacks.
  const outside: { committed?: Promise<string[]>; rolledBack?: Promise<string[]> } = {};
  let outsideDone = false;
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('notes').values({ id: 1, body: 'committed' }).execute();
    // A query from outside the transaction waits: it must neither see the uncommitted row nor
    // run inside the transaction.
    outside.committed = bodies().then((b) => {
      outsideDone = true;
      return b;
    });
    await sleep(100);
    assert.equal(outsideDone, false);
    // The pool metrics show the session in use and the query waiting for it.
    assert.deepEqual(handle.poolStats(), { total: 1, idle: 0, waiting: 1 });
    await trx.insertInto('notes').values({ id: 2, body: 'also committed' }).execute();
  });
  assert.deepEqual(await outside.committed, ['committed', 'also committed']);
  assert.deepEqual(handle.poolStats(), { total: 1, idle: 1, waiting: 0 });

  const failed = db
    .transaction()
    .execute(async (trx) => {
      await trx.insertInto('notes').values({ id: 3, body: 'rolled back' }).execute();
      outside.rolledBack = bodies();
      await sleep(50);
      throw new Error('abort');
    })
    .then(
      () => null,
      (e: unknown) => e,
    );
  assert.match(String(await failed), /abort/);
  assert.deepEqual(await outside.rolledBack, ['committed', 'also committed']);
  assert.deepEqual(await bodies(), ['committed', 'also committed']);
  await db.deleteFrom('notes').execute();
});

test('embedded database thread: a failed commit ends only its own transaction', async () => {
  const events: string[] = [];
  let next: Promise<unknown> = Promise.resolve();
  const failed = db
    .transaction()
    .execute(async (trx) => {
      // Breaks a deferred foreign key: COMMIT fails, and Kysely then rolls back.
      await trx.insertInto('notes').values({ id: 1, body: 'dangling', ref: 999 }).execute();
      // Meanwhile a second transaction and then an outside query wait for the session.
      next = db.transaction().execute(async (t2) => {
        await t2.insertInto('notes').values({ id: 2, body: 'second' }).execute();
        await sleep(100);
        events.push('second transaction ends');
      });
      await sleep(20);
      void bodies().then((b) => events.push(`outside query sees ${b.join(',')}`));
    })
    .then(
      () => null,
      (e: unknown) => e,
    );
  assert.equal(((await failed) as { code?: string } | null)?.code, '23503');
  await next;
  await sleep(50);
  // The outside query ran after the second transaction, not inside it.
  assert.deepEqual(events, ['second transaction ends', 'outside query sees second']);
  await db.deleteFrom('notes').execute();
});

test('embedded database thread: closing waits for queries sent before; later ones fail with 57P01', async () => {
  const other = await PgliteThread.open({ dataDir: null });
  const sent = other.query('select pg_sleep(0.2) is null as slept', []);
  await other.close();
  assert.deepEqual((await sent).rows, [{ slept: false }]);
  const err = await other.query('select 1', []).then(
    () => null,
    (e: unknown) => e,
  );
  assert.match(String(err), /embedded database stopped/);
  // PostgreSQL's admin_shutdown: the service answers 503, as for a lost PostgreSQL server.
  assert.equal((err as { code?: string } | null)?.code, '57P01');
});

test(
  'embedded database thread: one that dies is reported lost, and its queries fail; one closed is not',
  { timeout: 60_000 },
  async () => {
    const dying = await PgliteThread.open({ dataDir: null });
    const sent = dying.query('select pg_sleep(5)', []);
    // As a crash of the thread would end it.
    await (dying as unknown as { worker: Worker }).worker.terminate();
    assert.match((await dying.lost).message, /embedded database stopped/);
    await assert.rejects(sent, { code: '57P01' });

    const closed = await PgliteThread.open({ dataDir: null });
    await closed.close();
    const outcome = await Promise.race([
      closed.lost.then(() => 'lost'),
      sleep(300).then(() => 'not lost'),
    ]);
    assert.equal(outcome, 'not lost');
  },
);

test('embedded database thread: a folder that cannot hold a database is refused at open', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'gilla-pglite-')), 'not-a-folder');
  writeFileSync(file, 'x');
  await assert.rejects(PgliteThread.open({ dataDir: file }));
});

test('embedded database thread: an idle, unclosed database does not keep the process alive', () => {
  const module = path.resolve('dist/src/platform/embedded/index.js');
  const script = `import { PgliteThread } from ${JSON.stringify(module)};
    const t = await PgliteThread.open({ dataDir: null });
    console.log(JSON.stringify((await t.query('select 41 + 1 as n', [])).rows));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), '[{"n":42}]');
});
