import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
  type TestUser,
} from '../helpers/factories.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const env = await setupTestEnv();
// A short attempt timeout (long enough for a loaded machine), so a silent receiver is quick to test.
const app = await env.app({ WEBHOOK_POLL_INTERVAL_MS: '100', WEBHOOK_TIMEOUT_MS: '3000' });

interface DeliveryBody {
  id: string;
  event: string;
  status: string;
  attempts: number;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  responseStatus: number | null;
  error: string | null;
}

async function setUp(events = ['item.created']) {
  const receiver = await startReceiver();
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${project.id}/webhooks`,
    headers: owner.auth,
    payload: { url: receiver.url, events },
  });
  assert.equal(res.statusCode, 201, res.body);
  const hook = res.json<{ id: string; secret: string }>();
  const spec = await createSpecification(app, owner, project.id);
  const hookUrl = `/api/v1/projects/${project.id}/webhooks/${hook.id}`;
  return { receiver, owner, project, hook, spec, hookUrl };
}

async function deliveries(owner: TestUser, hookUrl: string): Promise<DeliveryBody[]> {
  const res = await app.inject({
    method: 'GET',
    url: `${hookUrl}/deliveries`,
    headers: owner.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ data: DeliveryBody[] }>().data;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The deliveries once none is pending (the receiver has answered and the service recorded it). */
function settled(owner: TestUser, hookUrl: string): Promise<DeliveryBody[]> {
  return until('the deliveries to settle', async () => {
    const all = await deliveries(owner, hookUrl);
    return all.every((d) => d.status !== 'pending') ? all : undefined;
  });
}

/** The webhook's waiting deliveries wait an hour (the test decides when time passes). */
async function holdBack(webhookId: string): Promise<void> {
  await app.db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: sql`now() + interval '1 hour'` })
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending')
    .execute();
}

/** Time passes: the webhook's waiting deliveries are due now. */
async function makeDue(webhookId: string): Promise<void> {
  await app.db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: sql`now()` })
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending')
    .execute();
  app.webhookWorker.kick();
}

test('a 500 is retried within seconds, and later events wait for it', async () => {
  const { receiver, owner, spec, hook, hookUrl } = await setUp();
  receiver.answer((_hook, n) =>
    n === 1 ? { status: 500, body: 'database down\n  try later' } : { status: 204 },
  );
  await createItem(app, owner, spec.id, { title: 'first' });
  const failed = await until('the failed attempt', async () => {
    const [d] = await deliveries(owner, hookUrl);
    return d?.attempts === 1 ? d : undefined;
  });
  assert.equal(failed.status, 'pending');
  assert.equal(failed.responseStatus, 500);
  assert.equal(failed.error, 'HTTP 500: database down try later');
  const wait = Date.parse(failed.nextAttemptAt!) - Date.parse(failed.lastAttemptAt!);
  assert.ok(wait >= 3500 && wait <= 6500, `first retry after ${wait} ms (5 s ± 20 %)`);

  // Created during the backoff (held for the test): it must not overtake the first.
  await holdBack(hook.id);
  await createItem(app, owner, spec.id, { title: 'second' });
  await sleep(300);
  assert.equal(receiver.requests.length, 1, 'nothing else is sent while the first waits');

  await makeDue(hook.id);
  const got = await receiver.waitFor(2, 10_000);
  assert.deepEqual(
    got.map((h) => (h.json.data.details as { title: string }).title),
    ['first', 'second'],
  );
  assert.equal(got[0]?.headers['webhook-id'], receiver.requests[0]?.headers['webhook-id']);
  const [second, first] = await settled(owner, hookUrl);
  assert.deepEqual(
    [first?.status, first?.attempts, first?.responseStatus, first?.error],
    ['delivered', 2, 204, null],
  );
  assert.equal(second?.status, 'delivered');
});

test('a receiver that does not answer in time is a failed attempt, retried', async () => {
  const { receiver, owner, spec, hook, hookUrl } = await setUp();
  receiver.answer((_hook, n) => (n === 1 ? { status: 204, delayMs: 5000 } : { status: 204 }));
  await createItem(app, owner, spec.id);
  const failed = await until('the timed-out attempt', async () => {
    const [d] = await deliveries(owner, hookUrl);
    return d?.attempts === 1 ? d : undefined;
  });
  assert.equal(failed.status, 'pending');
  assert.equal(failed.responseStatus, null);
  assert.equal(failed.error, 'no answer within 3000 ms');
  await makeDue(hook.id);
  await until('the retry', async () => {
    const [d] = await deliveries(owner, hookUrl);
    return d?.status === 'delivered' ? d : undefined;
  });
  assert.equal(receiver.requests.length, 2);
});

test('a redirect is not followed, and at most 64 KiB of an answer is read', async () => {
  const { receiver, owner, spec, hook, hookUrl } = await setUp();
  receiver.answer((_hook, n) =>
    n === 1
      ? { status: 307, headers: { location: '/elsewhere' } }
      : n === 2
        ? { status: 500, body: Buffer.alloc(64 * 1024, 'x'), repeat: 200 }
        : { status: 200, body: Buffer.alloc(64 * 1024, 'y'), repeat: 200 },
  );
  await createItem(app, owner, spec.id);
  const redirected = await until('the redirected attempt', async () => {
    const [d] = await deliveries(owner, hookUrl);
    return d?.attempts === 1 ? d : undefined;
  });
  assert.equal(redirected.responseStatus, 307);
  assert.equal(redirected.status, 'pending');

  await makeDue(hook.id);
  const big = await until('the attempt with a big answer', async () => {
    const [d] = await deliveries(owner, hookUrl);
    return d?.attempts === 2 ? d : undefined;
  });
  assert.equal(big.responseStatus, 500);
  assert.equal(big.error, `HTTP 500: ${'x'.repeat(200)}`);

  await makeDue(hook.id);
  await until('delivery despite a big answer', async () => {
    const [d] = await deliveries(owner, hookUrl);
    return d?.status === 'delivered' ? d : undefined;
  });
  assert.deepEqual(
    receiver.requests.map((r) => r.path),
    ['/hooks', '/hooks', '/hooks'],
    'nothing went to /elsewhere',
  );
  await until('the connections closed', () =>
    Promise.resolve(receiver.requests[2]?.answerTaken === undefined ? undefined : true),
  );
  assert.deepEqual(
    receiver.requests.map((r) => r.answerTaken),
    [true, false, false],
    'the 12.5 MiB answers were cut off, not read to the end',
  );
});

test('after a day of failures a delivery is marked failed and the next one goes', async () => {
  const { receiver, owner, spec, hook, hookUrl } = await setUp();
  receiver.answer((h) =>
    (h.json.data.details as { title: string }).title === 'doomed'
      ? { status: 503 }
      : { status: 204 },
  );
  await createItem(app, owner, spec.id, { title: 'doomed' });
  await until('the first failure', async () => {
    const [d] = await deliveries(owner, hookUrl);
    return d?.attempts === 1 ? d : undefined;
  });
  await createItem(app, owner, spec.id, { title: 'fine' });
  // A day passes.
  await app.db
    .updateTable('webhook_deliveries')
    .set({ first_failed_at: sql`now() - interval '25 hours'` })
    .where('webhook_id', '=', hook.id)
    .where('first_failed_at', 'is not', null)
    .execute();
  await makeDue(hook.id);
  const got = await receiver.waitFor(1);
  assert.equal((got[0]?.json.data.details as { title: string }).title, 'fine');
  const [fine, doomed] = await settled(owner, hookUrl);
  assert.deepEqual([doomed?.status, doomed?.attempts, doomed?.responseStatus], ['failed', 2, 503]);
  assert.equal(doomed?.nextAttemptAt, null);
  assert.equal(fine?.status, 'delivered');

  const metrics = (await app.inject({ url: '/metrics' })).body;
  assert.match(metrics, /gilla_webhook_deliveries_total\{outcome="given_up"\} [1-9]/);
  assert.match(metrics, /gilla_webhook_deliveries_total\{outcome="failed"\} [1-9]/);
  assert.match(metrics, /gilla_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
  assert.match(metrics, /^gilla_webhook_queue_depth \d+$/m);
  assert.match(metrics, /^gilla_webhook_oldest_pending_seconds [\d.e+-]+$/m);

  // An owner sends a failed delivery again: same id, at its place in the order.
  receiver.answer(() => ({ status: 204 }));
  const retried = await app.inject({
    method: 'POST',
    url: `${hookUrl}/deliveries/${doomed.id}/retry`,
    headers: owner.auth,
  });
  assert.equal(retried.statusCode, 202, retried.body);
  assert.equal(retried.json<DeliveryBody>().status, 'pending');
  const again = await receiver.waitFor(2);
  assert.equal(again[1]?.headers['webhook-id'], doomed.id);
  const after = (await settled(owner, hookUrl)).find((d) => d.id === doomed.id);
  assert.deepEqual([after?.status, after?.attempts], ['delivered', 3]);

  const missing = await app.inject({
    method: 'POST',
    url: `${hookUrl}/deliveries/${crypto.randomUUID()}/retry`,
    headers: owner.auth,
  });
  assert.equal(missing.statusCode, 404);
});

test('a webhook failing for three days is switched off and its owner mailed', async () => {
  const { receiver, owner, spec, hook, hookUrl } = await setUp();
  receiver.answer(() => ({ status: 500 }));
  await createItem(app, owner, spec.id, { title: 'one' });
  await until('the first failure', async () => {
    const [d] = await deliveries(owner, hookUrl);
    return d?.attempts === 1 ? d : undefined;
  });
  // Three days pass, failing all along.
  await app.db
    .updateTable('webhooks')
    .set({ failing_since: sql`now() - interval '3 days 1 minute'` })
    .where('id', '=', hook.id)
    .execute();
  await makeDue(hook.id);
  const off = await until('the switch-off', async () => {
    const res = await app.inject({ method: 'GET', url: hookUrl, headers: owner.auth });
    const body = res.json<{ active: boolean; deactivatedAt: string | null }>();
    return body.active ? undefined : body;
  });
  assert.ok(off.deactivatedAt);
  const mail = await app.db
    .selectFrom('mail_outbox')
    .selectAll()
    .where('recipient', '=', owner.email)
    .where('subject', 'like', '%webhook%')
    .executeTakeFirstOrThrow();
  assert.match(app.encryptor.decrypt(mail.body_enc), new RegExp(receiver.url));

  // Switched off, it gets no new events and sends nothing.
  await createItem(app, owner, spec.id, { title: 'while off' });
  await sleep(300);
  const attempts = receiver.requests.length;
  assert.equal((await deliveries(owner, hookUrl)).length, 1, 'no delivery queued while off');

  // Switched on again, its waiting delivery is sent at once.
  receiver.answer(() => ({ status: 204 }));
  const on = await app.inject({
    method: 'PATCH',
    url: hookUrl,
    headers: owner.auth,
    payload: { active: true },
  });
  assert.equal(on.statusCode, 200);
  assert.deepEqual(
    [
      on.json<{ failingSince: null }>().failingSince,
      on.json<{ deactivatedAt: null }>().deactivatedAt,
    ],
    [null, null],
  );
  const [got] = await receiver.waitFor(1);
  assert.equal((got?.json.data.details as { title: string }).title, 'one');
  assert.equal(receiver.requests.length, attempts + 1);
});
