import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { exitWhenDatabaseLost } from '../src/server.js';
import { setupTestEnv } from './helpers/app.js';
import { startServerProcess } from './helpers/server-process.js';

const env = await setupTestEnv();

test('closing lets an in-flight request finish, and refuses new ones', async () => {
  const app = await env.app(
    {},
    {
      routes: (a) => {
        a.get('/slow', async () => {
          await sleep(400);
          return { done: true };
        });
      },
    },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  const inFlight = fetch(`http://127.0.0.1:${address.port}/slow`);
  await sleep(100);
  const closing = app.close();
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { done: true });
  await closing;
  await assert.rejects(fetch(`http://127.0.0.1:${address.port}/health/live`));
});

for (const stage of ['handler', 'preHandler hook'] as const) {
  test(`closing waits for a request whose client hung up in its ${stage}`, async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const events: string[] = [];
    const app = await env.app(
      {},
      {
        routes: (a) => {
          const wait = async () => {
            events.push('started');
            await gate;
          };
          a.get('/abandoned', { preHandler: stage === 'preHandler hook' ? wait : [] }, async () => {
            if (stage === 'handler') await wait();
            // What a write does next: a query and a cache invalidation, both still open.
            await a.db.selectFrom('users').select('id').limit(1).execute();
            await a.cache.set('drain-test', 'written', 10);
            events.push(`handler done, cache ${await a.cache.get('drain-test')}`);
            return { done: true };
          });
        },
      },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    assert.ok(address && typeof address === 'object');
    const client = new AbortController();
    const request = fetch(`http://127.0.0.1:${address.port}/abandoned`, {
      signal: client.signal,
    }).catch(() => 'aborted');
    for (let i = 0; i < 500 && !events.includes('started'); i++) await sleep(10);
    client.abort();
    assert.equal(await request, 'aborted');
    const closing = app.close().then(() => events.push('closed'));
    await sleep(300);
    assert.deepEqual(events, ['started'], 'not closed while the request is processed');
    release();
    await closing;
    assert.deepEqual(events, ['started', 'handler done, cache written', 'closed']);
  });
}

test(
  'when its database is gone for good, the service closes and exits 1',
  { timeout: 30_000 },
  async () => {
    let lose!: (err: Error) => void;
    const lost = new Promise<Error>((resolve) => (lose = resolve));
    const app = await env.app({}, { database: { ...env.database.handle, lost } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    assert.ok(address && typeof address === 'object');
    const live = `http://127.0.0.1:${address.port}/health/live`;
    assert.equal((await fetch(live)).status, 200);
    let before = 0;
    const exited = new Promise<number>((resolve) =>
      exitWhenDatabaseLost(app, { deadlineMs: 10_000, before: () => (before += 1), exit: resolve }),
    );
    lose(new Error('the embedded database stopped (exit code 1)'));
    assert.equal(await exited, 1);
    assert.equal(before, 1);
    await assert.rejects(fetch(live));
  },
);

test('SIGTERM stops the server process cleanly (exit 0)', { timeout: 60_000 }, async () => {
  const server = await startServerProcess({ DATABASE_URL: env.database.url ?? 'memory://' });
  const res = await fetch(`${server.base}/health`);
  assert.equal(res.status, 200);
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  assert.match(server.output(), /shutting down/);
});
