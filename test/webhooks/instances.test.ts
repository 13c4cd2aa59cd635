import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { releaseWebhook, renewLease } from '../../src/webhooks/webhooks.repository.js';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const env = await setupTestEnv();
// Two instances on one database, each with its own sender. On the embedded database they share
// one session; with TEST_DATABASE_URL they race for leases on real PostgreSQL connections.
const one = await env.app({ WEBHOOK_POLL_INTERVAL_MS: '50', WEBHOOK_CONCURRENCY: '4' });
const two = await env.app({ WEBHOOK_POLL_INTERVAL_MS: '50', WEBHOOK_CONCURRENCY: '4' });

const sent = async () => {
  let total = 0;
  for (const app of [one, two]) {
    const metric = await app.metrics.webhookDeliveries.get();
    total += metric.values.find((v) => v.labels.outcome === 'delivered')?.value ?? 0;
  }
  return total;
};

test('two instances never send the same delivery twice, and keep each webhook’s order', async () => {
  const receiver = await startReceiver();
  // A little slowness at the receiver keeps both instances busy at once.
  receiver.answer(() => ({ status: 204, delayMs: 2 }));
  const owner = await createUser(one);
  const project = await createProject(one, owner);
  const hooks = 5;
  for (let i = 0; i < hooks; i++) {
    const res = await one.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.id}/webhooks`,
      headers: owner.auth,
      payload: { url: `${receiver.url}/${i}`, events: ['item.created'] },
    });
    assert.equal(res.statusCode, 201, res.body);
  }
  const spec = await createSpecification(one, owner, project.id);
  const events = 40;
  for (let n = 0; n < events; n++) {
    await createItem(n % 2 === 0 ? one : two, owner, spec.id, { title: `#${n}` });
  }
  await receiver.waitFor(hooks * events, 30_000);
  await sleep(500);

  assert.equal(receiver.requests.length, hooks * events, 'each delivery sent once');
  const ids = new Set(receiver.requests.map((r) => r.headers['webhook-id']));
  assert.equal(ids.size, hooks * events);
  for (let i = 0; i < hooks; i++) {
    const titles = receiver.requests
      .filter((r) => r.path === `/hooks/${i}`)
      .map((r) => (r.json.data.details as { title: string }).title);
    assert.deepEqual(
      titles,
      Array.from({ length: events }, (_, n) => `#${n}`),
      `webhook ${i} in order`,
    );
  }
  assert.equal(await sent(), hooks * events, 'the two instances together counted each once');
});

test('a lease is ended or renewed only by the instance that holds it', async () => {
  const owner = await createUser(one);
  const project = await createProject(one, owner);
  const res = await one.inject({
    method: 'POST',
    url: `/api/v1/projects/${project.id}/webhooks`,
    headers: owner.auth,
    // Nothing listens on port 9: deliveries fail, and the webhook is due again in seconds.
    payload: { url: 'http://127.0.0.1:9/hooks', events: ['item.created'] },
  });
  const hook = res.json<{ id: string }>();
  // Another instance holds it (its lease runs for a minute) …
  const other = crypto.randomUUID();
  await one.db
    .updateTable('webhooks')
    .set({ lease_until: sql`now() + interval '1 minute'`, lease_token: other })
    .where('id', '=', hook.id)
    .execute();
  const spec = await createSpecification(one, owner, project.id);
  await createItem(one, owner, spec.id);
  await sleep(500);
  // … so neither of these instances sends, and their releases would not end its lease.
  const [delivery] = await one.db
    .selectFrom('webhook_deliveries')
    .select(['attempts', 'status'])
    .where('webhook_id', '=', hook.id)
    .execute();
  assert.deepEqual(delivery, { attempts: 0, status: 'pending' });
  assert.equal(await releaseWebhook(one.db, hook.id, crypto.randomUUID(), 'failed'), null);
  assert.equal(
    await renewLease(
      one.db,
      { webhookId: hook.id, token: crypto.randomUUID(), url: 'http://127.0.0.1:9/hooks' },
      60,
    ),
    false,
  );
  const row = await one.db
    .selectFrom('webhooks')
    .select(['lease_token', 'failing_since'])
    .where('id', '=', hook.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(row, { lease_token: other, failing_since: null });
  // Once the lease runs out, the webhook is sent to (and fails: nothing listens there).
  await one.db
    .updateTable('webhooks')
    .set({ lease_until: sql`now() - interval '1 second'` })
    .where('id', '=', hook.id)
    .execute();
  for (let i = 0; i < 300; i++) {
    const d = await one.db
      .selectFrom('webhook_deliveries')
      .select('attempts')
      .where('webhook_id', '=', hook.id)
      .executeTakeFirstOrThrow();
    if (d.attempts > 0) return;
    await sleep(50);
  }
  assert.fail('the webhook was not sent to after the lease ran out');
});
