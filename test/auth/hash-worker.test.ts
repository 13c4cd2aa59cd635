import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { HashWorker } from '../../src/auth/hash-worker-client.js';
import { ARGON2_OPTIONS } from '../../src/auth/passwords.js';

const options = { ...ARGON2_OPTIONS, memoryCost: 1024 }; // small: these tests are about the process

test('hashes and verifies in a separate process at lower priority', async (t) => {
  const worker = new HashWorker({ nice: 10, threads: 2 });
  t.after(() => worker.close());
  const hash = await worker.hash('correct horse battery', options);
  assert.match(hash, /^\$argon2id\$v=19\$m=1024,p=1,t=2\$/);
  assert.equal(await worker.verify(hash, 'correct horse battery'), true);
  assert.equal(await worker.verify(hash, 'wrong horse battery'), false);
  const pid = worker.pid;
  assert.ok(pid !== undefined && pid !== process.pid);
  // At least 10: a service already running nicer than that keeps its own niceness.
  assert.equal(getPriority(pid), Math.max(10, getPriority()));
});

test('a stored hash argon2 cannot parse verifies as false, not as an error', async (t) => {
  const worker = new HashWorker({ nice: 10, threads: 1 });
  t.after(() => worker.close());
  assert.equal(await worker.verify('not-a-hash', 'whatever12'), false);
});

test('a helper that dies fails its pending jobs, and the next job gets a new helper', async (t) => {
  const worker = new HashWorker({ nice: 10, threads: 1 });
  t.after(() => worker.close());
  await worker.hash('warm up the helper', options);
  const first = worker.pid;
  assert.ok(first !== undefined);
  const pending = worker.hash('long one', { ...ARGON2_OPTIONS, timeCost: 50 });
  process.kill(first, 'SIGKILL');
  await assert.rejects(pending, /password hashing process exited \(SIGKILL\)/);
  const hash = await worker.hash('after the crash', options);
  assert.match(hash, /^\$argon2id\$/);
  assert.notEqual(worker.pid, first);
});

test('the helper process ends with the service process', async () => {
  // A process that hashes once and then has nothing left to do exits on its own (the idle
  // helper does not hold it open), and its helper goes with it.
  const script = `
    import { HashWorker } from ${JSON.stringify(new URL('../../src/auth/hash-worker-client.js', import.meta.url).href)};
    const w = new HashWorker({ nice: 10, threads: 1 });
    await w.hash('one and done', ${JSON.stringify(options)});
    process.send(w.pid);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const [helper] = (await once(child, 'message')) as [number];
  const [code] = (await exited) as [number];
  assert.equal(code, 0);
  for (let i = 0; i < 100 && running(helper); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(running(helper), false);
});

/** Still running: not gone and not a zombie waiting for init to reap it (Linux's /proc). */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}
