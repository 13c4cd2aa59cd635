import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

const env = await setupTestEnv();

test('one JSON line per request; tokens, passwords and cookies never reach the log', async () => {
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const app = await env.app({ LOG_LEVEL: 'info' }, { logStream });
  const user = await createUser(app, { password: 'super secret passphrase' });
  lines.length = 0;
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/email/verify?token=query-secret-value',
    headers: { ...user.auth, cookie: 'session=cookie-secret-value', 'x-request-id': 'log-test-1' },
    payload: { token: 'body-secret-value-1234567890' },
  });
  assert.equal(res.statusCode, 400);
  await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: 'super secret passphrase' },
  });
  const text = lines.join('\n');
  for (const secret of [
    'query-secret-value',
    'cookie-secret-value',
    'body-secret-value',
    'super secret passphrase',
    user.accessToken,
    user.refreshToken,
  ]) {
    assert.ok(!text.includes(secret), `log leaks ${secret.slice(0, 20)}`);
  }
  const requestLines = lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'request');
  assert.equal(requestLines.length, 2);
  const first = requestLines[0]!;
  assert.equal(first.requestId, 'log-test-1');
  assert.equal(first.status, 400);
  assert.equal(first.url, '/api/v1/auth/email/verify?token=%5BREDACTED%5D');
  assert.equal(first.route, '/api/v1/auth/email/verify');
});
