import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

async function call(
  server: ServerProcess,
  method: string,
  url: string,
  body?: unknown,
  token?: string,
) {
  const res = await fetch(`${server.base}${url}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function stop(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
}

test('a delivery waiting for its retry survives a restart of the service', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gilla-webhooks-'));
  const receiver = await startReceiver();
  // Refused until the service has been restarted: only the second service can deliver it.
  receiver.answer(() => ({ status: 503 }));
  const serverEnv = { DATA_DIR: dataDir, WEBHOOK_POLL_INTERVAL_MS: '200' };
  let server = await startServerProcess(serverEnv);
  try {
    const { accessToken } = (await call(server, 'POST', '/api/v1/auth/register', {
      email: 'owner@example.com',
      password: 'a long enough password',
      name: 'Owner',
    })) as { accessToken: string };
    const project = await call(server, 'POST', '/api/v1/projects', { name: 'P' }, accessToken);
    await call(
      server,
      'POST',
      `/api/v1/projects/${String(project.id)}/webhooks`,
      { url: receiver.url, events: ['specification.created'] },
      accessToken,
    );
    await call(
      server,
      'POST',
      `/api/v1/projects/${String(project.id)}/specifications`,
      { title: 'Survives' },
      accessToken,
    );
    for (let i = 0; i < 200 && receiver.requests.length === 0; i++) await sleep(50);
    assert.equal(receiver.requests.length, 1, 'the first attempt failed with a 503');

    // Stopped during the backoff (about 5 s), and started again.
    await stop(server);
    const refused = receiver.requests.length;
    receiver.answer(() => ({ status: 204 }));
    server = await startServerProcess(serverEnv);
    const [got] = await receiver.waitFor(1, 15_000);
    assert.equal(got?.headers['webhook-id'], receiver.requests[0]?.headers['webhook-id']);
    assert.equal(got?.body, receiver.requests[0]?.body, 'the same event, byte for byte');
    assert.equal((got?.json.data.details as { title?: string }).title, 'Survives');
    await sleep(300);
    assert.equal(receiver.requests.length, refused + 1, 'sent once after the restart');
  } finally {
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
