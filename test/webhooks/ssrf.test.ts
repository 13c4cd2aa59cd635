import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { addressAllowed } from '../../src/webhooks/destination.js';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const env = await setupTestEnv();
const app = await env.app({
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://gilla.test',
  WEBHOOK_POLL_INTERVAL_MS: '100',
});

test('in production, URLs that point inside are refused when registered', async () => {
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const refused = [
    'http://example.com/hooks',
    'http://127.0.0.1:8080/hooks',
    'https://127.0.0.1/hooks',
    'https://127.1/hooks',
    'https://0x7f.0.0.1/hooks',
    'https://2130706433/hooks',
    'https://localhost/hooks',
    'https://localhost./hooks',
    'https://api.localhost/hooks',
    'https://10.1.2.3/hooks',
    'https://172.16.0.1/hooks',
    'https://192.168.1.1/hooks',
    'https://100.64.0.1/hooks',
    'https://169.254.169.254/latest/meta-data/',
    'https://0.0.0.0/hooks',
    'https://[::1]/hooks',
    'https://[::ffff:127.0.0.1]/hooks',
    'https://[::ffff:a9fe:a9fe]/hooks',
    'https://[fd00:ec2::254]/hooks',
    'https://[fe80::1]/hooks',
  ];
  for (const url of refused) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.id}/webhooks`,
      headers: owner.auth,
      payload: { url, events: ['*'] },
    });
    assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
  }
  const ok = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${project.id}/webhooks`,
    headers: owner.auth,
    payload: { url: 'https://hooks.example.com/gilla', events: ['*'] },
  });
  assert.equal(ok.statusCode, 201, ok.body);
});

test('which addresses a webhook may connect to', () => {
  const prod = { production: true };
  const dev = { production: false };
  assert.equal(addressAllowed('93.184.215.14', 'https:', prod), true);
  assert.equal(addressAllowed('2606:2800:21f:cb07:6820:80da:af6b:8b2c', 'https:', prod), true);
  for (const a of [
    '127.0.0.1',
    '10.0.0.1',
    '169.254.169.254',
    '::1',
    '::127.0.0.1',
    '64:ff9b::a00:1',
    'fd00::1',
    '::ffff:10.0.0.1',
  ]) {
    assert.equal(addressAllowed(a, 'https:', prod), false, a);
  }
  assert.equal(addressAllowed('127.0.0.1', 'http:', prod), false, 'no plain http in production');
  assert.equal(addressAllowed('127.0.0.1', 'http:', dev), true);
  assert.equal(addressAllowed('::1', 'http:', dev), true);
  assert.equal(addressAllowed('10.0.0.1', 'http:', dev), false, 'plain http to loopback only');
  assert.equal(addressAllowed('10.0.0.1', 'https:', dev), true);
});

/** A name of this machine that is not `localhost` and resolves to a loopback address. */
async function loopbackName(): Promise<{ name: string; address: string } | null> {
  const name = hostname();
  try {
    const { address } = await lookup(name, { family: 4 });
    return address.startsWith('127.') ? { name, address } : null;
  } catch {
    return null;
  }
}
const loopback = await loopbackName();

test(
  'in production, a name that resolves to 127.0.0.1 is refused when sending',
  { skip: loopback ? false : `${hostname()} does not resolve to a loopback address here` },
  async () => {
    const receiver = await startReceiver();
    const owner = await createUser(app);
    const project = await createProject(app, owner);
    const url = `https://${loopback!.name}:${receiver.port}/hooks`;
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.id}/webhooks`,
      headers: owner.auth,
      payload: { url, events: ['item.created'] },
    });
    assert.equal(res.statusCode, 201, `the name itself passes: ${res.body}`);
    const hook = res.json<{ id: string }>();
    // One registered before the service ran in production, pointing at loopback in plain http.
    await app.db
      .insertInto('webhooks')
      .values({
        id: crypto.randomUUID(),
        project_id: project.id,
        url: `http://127.0.0.1:${receiver.port}/hooks`,
        events: ['item.created'],
        secret_enc: app.encryptor.encrypt(`whsec_${Buffer.alloc(32, 1).toString('base64')}`),
        created_by: owner.id,
      })
      .execute();

    const spec = await createSpecification(app, owner, project.id);
    await createItem(app, owner, spec.id);
    const deadline = Date.now() + 10_000;
    let errors: (string | null)[] = [];
    while (Date.now() < deadline) {
      const rows = await app.db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
        .select(['d.webhook_id', 'd.attempts', 'd.last_error', 'd.status', 'd.response_status'])
        .where('w.project_id', '=', project.id)
        .orderBy('d.webhook_id')
        .execute();
      if (rows.length === 2 && rows.every((r) => r.attempts >= 1)) {
        assert.ok(rows.every((r) => r.status === 'pending' && r.response_status === null));
        errors = rows.map((r) =>
          r.webhook_id === hook.id ? `A ${r.last_error}` : `B ${r.last_error}`,
        );
        break;
      }
      await sleep(50);
    }
    assert.deepEqual(errors.sort(), [
      `A ${loopback!.name} resolves to an address that is not allowed (private, loopback, link-local or reserved)`,
      'B url must be an https URL',
    ]);
    assert.equal(receiver.requests.length, 0, 'no connection reached the receiver');
  },
);
