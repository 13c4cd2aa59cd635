import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { getPriority } from 'node:os';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();

/** This process's children running the hashing helper (`ps -A` works on Linux and macOS). */
function hashHelpers(): { pid: number; args: string }[] {
  const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === process.pid)
    .filter((m) => m[3]?.includes('hash-worker') === true)
    .map((m) => ({ pid: Number(m[1]), args: m[3] ?? '' }));
}

test('the service hashes and verifies passwords in its helper process, at a lower priority', async () => {
  assert.deepEqual(hashHelpers(), [], 'no helper before the first password');
  const user = await createUser(app);
  const helpers = hashHelpers();
  assert.equal(helpers.length, 1, 'registration forked one helper');
  const [helper] = helpers;
  assert.ok(helper);
  assert.equal(getPriority(helper.pid), Math.max(10, getPriority()));
  // Verifying at login goes through the same helper: no second one.
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(login.statusCode, 200);
  assert.deepEqual(
    hashHelpers().map((h) => h.pid),
    [helper.pid],
  );
});
