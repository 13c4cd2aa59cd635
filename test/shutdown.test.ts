import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setupTestEnv, TEST_SECRETS } from './helpers/app.js';

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

test('SIGTERM stops the server process cleanly (exit 0)', { timeout: 60_000 }, async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['dist/src/server.js'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: env.database.url ?? 'memory://',
      MIGRATE_ON_START: 'true',
      ...TEST_SECRETS,
    },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  for (let i = 0; i < 300 && !out.includes('Server listening'); i++) await sleep(100);
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  assert.equal(res.status, 200);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.match(out, /shutting down/);
});
