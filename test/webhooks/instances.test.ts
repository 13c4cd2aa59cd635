import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const env = await setupTestEnv();
// Two instances on one database, each with its own sender.
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
