import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_SECRETS } from '../helpers/app.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

// One owner per data folder, and the gilla command beside a running service: real processes on
// a data folder of this file's own (the embedded database; PostgreSQL has no data folder).

const dataDir = mkdtempSync(path.join(tmpdir(), 'gilla-own-'));
const bin = path.resolve('bin/gilla.js');
const servers: ServerProcess[] = [];
after(() => servers.forEach((s) => s.child.kill('SIGKILL')));

async function serve(): Promise<ServerProcess> {
  const server = await startServerProcess({ DATA_DIR: dataDir, BACKUP_SCHEDULE: 'off' });
  servers.push(server);
  return server;
}

function gilla(
  args: string[],
  input = '',
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATA_DIR: dataDir,
        PORT: '0',
        ...TEST_SECRETS,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function login(server: ServerProcess, email: string, password: string) {
  const res = await fetch(`${server.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, body: (await res.json()) as { accessToken?: string } };
}

test(
  'one owner per data folder; the gilla command works beside the service through its socket',
  { timeout: 180_000 },
  async () => {
    const first = await serve();

    // A second service on the same folder stops at once, naming the owner.
    const second = spawn(process.execPath, ['dist/src/server.js'], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATA_DIR: dataDir,
        PORT: String(first.port + 1),
        HOST: '127.0.0.1',
        ...TEST_SECRETS,
      },
    });
    after(() => second.kill('SIGKILL'));
    let secondOut = '';
    second.stderr.on('data', (d: Buffer) => (secondOut += d.toString()));
    second.stdout.on('data', (d: Buffer) => (secondOut += d.toString()));
    const code = await new Promise<number | null>((resolve) => second.on('close', resolve));
    assert.notEqual(code, 0);
    assert.match(secondOut, /data_dir_in_use/);
    assert.match(secondOut, new RegExp(`process ${first.child.pid}\\b`));

    // The control socket is the owner's only.
    const socket = path.join(dataDir, 'gilla.sock');
    assert.equal(statSync(socket).mode & 0o777, 0o600);

    // The README's first-admin recipe, while the service runs: the admin signs in at once.
    const made = await gilla(
      ['user', 'create', '--email', 'admin@example.com', '--admin'],
      'a long admin passphrase 7\n',
    );
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^created admin admin@example\.com/);
    const signedIn = await login(first, 'admin@example.com', 'a long admin passphrase 7');
    assert.equal(signedIn.status, 200);
    const me = await fetch(`${first.base}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${signedIn.body.accessToken}` },
    });
    assert.equal(((await me.json()) as { role: string }).role, 'admin');
    // A taken e-mail is the command's error, through the socket too.
    const again = await gilla(
      ['user', 'create', '--email', 'admin@example.com'],
      'another passphrase 8\n',
    );
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);

    const status = await gilla(['migrate', 'status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^applied {2}2026-11-22T00-users/m);
    assert.doesNotMatch(status.stdout, /pending/);

    // Keys the service was not restarted with: the rotation would change nothing, so it refuses.
    const notRestarted = await gilla(['keys', 'rotate'], '', {
      ENCRYPTION_KEY: 'a-new-encryption-key-that-the-service-never-got-0123',
      ENCRYPTION_KEY_PREVIOUS: TEST_SECRETS.ENCRYPTION_KEY,
    });
    assert.equal(notRestarted.code, 1);
    assert.match(notRestarted.stderr, /restart it with the new ENCRYPTION_KEY/);
    const rotated = await gilla(['keys', 'rotate']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /^re-encrypted \d+ values under key [0-9a-f]{8}\n$/);
    assert.match(rotated.stderr, /items +\[#{30}\]/);

    const backupFile = path.join(dataDir, 'manual.tar.gz');
    const backedUp = await gilla(['backup', '--out', backupFile]);
    assert.equal(backedUp.code, 0, backedUp.stderr);
    assert.ok(statSync(backupFile).size > 1000);
    assert.equal(statSync(backupFile).mode & 0o777, 0o600);

    // Restoring into a folder a service owns is refused, and changes nothing.
    const refused = await gilla(['restore', backupFile]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /data_dir_in_use/);
    assert.equal(
      (await login(first, 'admin@example.com', 'a long admin passphrase 7')).status,
      200,
    );

    // A crash leaves the lock behind; the next service takes it over and finds the data.
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(existsSync(path.join(dataDir, 'gilla.pid')));
    const next = await serve();
    assert.match(next.output(), /taking over the data folder/);
    assert.equal((await login(next, 'admin@example.com', 'a long admin passphrase 7')).status, 200);

    // Stopped cleanly, it lets the folder go: the command then opens it itself.
    next.child.kill('SIGTERM');
    assert.equal(await next.exited, 0);
    assert.ok(!existsSync(path.join(dataDir, 'gilla.pid')));
    assert.ok(!existsSync(socket));
    const offline = await gilla(['migrate', 'status']);
    assert.equal(offline.code, 0, offline.stderr);
    await sleep(10);
  },
);
