import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/platform/database.js';
import { setupTestEnv, testConfig, TEST_SECRETS } from './helpers/app.js';
import { TEST_DATABASE_URL } from './helpers/database.js';

const env = await setupTestEnv();
const bin = path.resolve('bin/gilla.js');

// On PostgreSQL the CLI gets a database of its own; embedded, a data folder of its own.
const cliDb = TEST_DATABASE_URL
  ? { DATABASE_URL: env.database.url ?? '' }
  : { DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gilla-cli-')) };
const cliEnv = {
  PATH: process.env.PATH,
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  ...TEST_SECRETS,
  ...cliDb,
};

function gilla(
  args: string[],
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: cliEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

test('unknown command: exit 2 with usage', async () => {
  const res = await gilla(['frobnicate']);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /unknown command "frobnicate"/);
  assert.match(res.stderr, /Usage: gilla/);
});

test('check-health: 0 and one line when healthy, 1 when nothing answers', async () => {
  const app = await env.app();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  const ok = await gilla(['check-health', '--url', `http://127.0.0.1:${address.port}/health`]);
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, 'healthy: 200 ok\n');
  const down = await gilla(['check-health', '--url', 'http://127.0.0.1:9/health']);
  assert.equal(down.code, 1);
  assert.match(down.stdout, /^unhealthy: .*\n$/);
  assert.equal(down.stdout.split('\n').length, 2);
});

test('a bad configuration: exit 1 naming the variable', async () => {
  const child = spawn(process.execPath, [bin, 'migrate', 'status'], {
    env: { ...cliEnv, PORT: 'x', LOG_LEVEL: 'loud' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 1);
  assert.match(stderr, /PORT/);
  assert.match(stderr, /LOG_LEVEL/);
});

// Eight processes that each open the embedded database: 40 s alone, more beside other suites.
test('migrate status/down/up and user create', { timeout: 300_000 }, async () => {
  const up = await gilla(['migrate', 'up']);
  assert.equal(up.code, 0, up.stderr);
  const status = await gilla(['migrate', 'status']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^applied {2}2026-11-22T00-users/m);
  assert.doesNotMatch(status.stdout, /pending/);
  const down = await gilla(['migrate', 'down']);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /^reverted /);
  assert.match((await gilla(['migrate', 'status'])).stdout, /pending/);
  const again = await gilla(['migrate', 'up']);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /^applied /);

  const created = await gilla(
    ['user', 'create', '--email', 'root@example.com', '--admin'],
    'a long admin passphrase\n',
  );
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^created admin root@example.com/);
  // The service, on the CLI's database, signs the admin in with the password read from stdin.
  const handle = await openDatabase(
    {
      url: env.database.url,
      dataDir: cliDb.DATA_DIR ?? null,
      migrateOnStart: false,
      poolMax: 2,
      timeoutMs: 5000,
      caFile: null,
    },
    { warn: () => undefined },
  );
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    app = await buildApp(testConfig(), { database: handle });
    const signIn = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'root@example.com', password: 'a long admin passphrase' },
    });
    assert.equal(signIn.statusCode, 200, signIn.body);
    assert.equal(signIn.json().user.role, 'admin');
  } finally {
    await app?.close();
    await handle.close();
  }
  const weak = await gilla(['user', 'create', '--email', 'weak@example.com'], 'password\n');
  assert.equal(weak.code, 1);
  assert.match(weak.stderr, /password/);
  const dup = await gilla(
    ['user', 'create', '--email', 'ROOT@example.com'],
    'another long passphrase\n',
  );
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already exists/);
});
