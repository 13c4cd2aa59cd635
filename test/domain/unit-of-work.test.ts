import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { Cache } from '../../src/platform/cache.js';
import { runUnitOfWork, type WorkDeps } from '../../src/domain/unit-of-work.js';
import { openTestCache, setupTestEnv, testConfig } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();

// A table of this file's own, so that what the unit of work wrote is plain to see.
await sql`create table if not exists uow_notes (id text primary key)`.execute(app.db);

async function noteExists(id: string): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`select id from uow_notes where id = ${id}`.execute(
    app.db,
  );
  return rows.length === 1;
}

function deps(failures: { name: string; err: unknown }[] = []): WorkDeps {
  return {
    db: app.db,
    enc: app.encryptor,
    cache: app.cache,
    onEffectFailure: (name, err) => failures.push({ name, err }),
  };
}

const anonymous = { actor: null, client: { ip: null, userAgent: null } };

test('an effect runs only once the transaction has committed: it sees the write from outside', async () => {
  const seen: boolean[] = [];
  const result = await runUnitOfWork(deps(), anonymous, async (tx, ctx) => {
    await sql`insert into uow_notes (id) values ('committed')`.execute(tx);
    ctx.effects.afterCommit('check', async ({ db }) => {
      const { rows } = await sql`select 1 from uow_notes where id = 'committed'`.execute(db);
      seen.push(rows.length === 1);
    });
    // Not yet: the effect is recorded, not run.
    assert.deepEqual(seen, []);
    return 'done';
  });
  assert.equal(result, 'done');
  assert.deepEqual(seen, [true]);
});

test('a unit of work that fails writes nothing and runs none of its effects', async () => {
  let ran = false;
  await assert.rejects(
    runUnitOfWork(deps(), anonymous, async (tx, ctx) => {
      await sql`insert into uow_notes (id) values ('rolled-back')`.execute(tx);
      ctx.effects.afterCommit('never', () => {
        ran = true;
      });
      throw new Error('refused');
    }),
    /refused/,
  );
  assert.equal(ran, false);
  assert.equal(await noteExists('rolled-back'), false);
});

test('a failing effect is reported, the others still run, and the committed result stands', async () => {
  const failures: { name: string; err: unknown }[] = [];
  const order: string[] = [];
  const result = await runUnitOfWork(deps(failures), anonymous, async (tx, ctx) => {
    await sql`insert into uow_notes (id) values ('kept')`.execute(tx);
    ctx.effects.afterCommit('first', () => {
      order.push('first');
      throw new Error('cache down');
    });
    ctx.effects.afterCommit('second', () => {
      order.push('second');
    });
    return 42;
  });
  assert.equal(result, 42);
  assert.deepEqual(order, ['first', 'second']);
  assert.deepEqual(
    failures.map((f) => [f.name, String(f.err)]),
    [['first', 'Error: cache down']],
  );
  assert.equal(await noteExists('kept'), true);
});

test('without a transaction the effects run once the work returns', async () => {
  const order: string[] = [];
  await runUnitOfWork(
    deps(),
    anonymous,
    (db, ctx) => {
      ctx.effects.afterCommit('after', () => {
        order.push('effect');
      });
      order.push('work');
      return Promise.resolve(db);
    },
    { transaction: false },
  );
  assert.deepEqual(order, ['work', 'effect']);
});

/** A working in-process cache whose counters fail, as a Redis that refuses writes would. */
async function cacheWithFailingCounters(): Promise<Cache> {
  const inner = await openTestCache(testConfig({ REDIS_URL: undefined }));
  return {
    redis: null,
    get: (k) => inner.get(k),
    set: (k, v, t) => inner.set(k, v, t),
    add: (k, v, t) => inner.add(k, v, t),
    del: (...k) => inner.del(...k),
    incr: () => Promise.reject(new Error('counter refused')),
    ttl: (k) => inner.ttl(k),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}

test('a committed item change whose cache bump fails still answers 200, and the failure is counted', async () => {
  const cache = await cacheWithFailingCounters();
  const flaky = await env.app({ REDIS_URL: undefined }, { cache });
  const user = await createUser(flaky);
  const project = await createProject(flaky, user);
  const spec = await createSpecification(flaky, user, project.id);
  const item = await createItem(flaky, user, spec.id, { title: 'Before' });

  const res = await flaky.inject({
    method: 'PATCH',
    url: `/api/v1/items/${item.id}`,
    headers: user.auth,
    payload: { title: 'After' },
  });
  assert.equal(res.statusCode, 200, res.body);
  const stored = await flaky.db
    .selectFrom('items')
    .select('title')
    .where('id', '=', item.id)
    .executeTakeFirstOrThrow();
  assert.equal(stored.title, 'After');
  const metrics = (await flaky.inject({ url: '/metrics' })).body;
  const failed = Number(
    /^gilla_after_commit_effect_failures_total\{effect="specification-version"\} (\d+)/m.exec(
      metrics,
    )?.[1],
  );
  // The item's creation and its change each tried to bump the specification's version.
  assert.ok(failed >= 2, `counted: ${failed}`);
  await cache.close();
});

test('a transaction that loses a deadlock runs again, with fresh effects; a third loss stands', async () => {
  const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' });
  const retrying: WorkDeps = {
    ...deps(),
    isRetryable: (err) => (err as { code?: string }).code === '40P01',
  };
  const ran: string[] = [];
  let attempts = 0;
  const result = await runUnitOfWork(retrying, anonymous, async (tx, ctx) => {
    attempts += 1;
    await sql`insert into uow_notes (id) values (${`retry-${attempts}`})`.execute(tx);
    ctx.effects.afterCommit('mark', () => {
      ran.push(`effect of attempt ${attempts}`);
    });
    if (attempts === 1) throw deadlock();
    return attempts;
  });
  assert.equal(result, 2);
  assert.deepEqual(ran, ['effect of attempt 2']);
  assert.equal(await noteExists('retry-1'), false);
  assert.equal(await noteExists('retry-2'), true);

  let tries = 0;
  await assert.rejects(
    runUnitOfWork(retrying, anonymous, () => {
      tries += 1;
      return Promise.reject(deadlock());
    }),
    { code: '40P01' },
  );
  assert.equal(tries, 3);
});
