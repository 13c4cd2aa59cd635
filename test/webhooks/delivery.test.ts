import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook as Verifier } from 'standardwebhooks';
import { ConflictError } from '../../src/domain/errors.js';
import { work } from '../../src/http/unit-of-work.js';
import { createItem as createItemInTx } from '../../src/items/items.service.js';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createLink,
  createProject,
  createSpecification,
  createUser,
  type TestUser,
} from '../helpers/factories.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const env = await setupTestEnv();
const app = await env.app(
  { WEBHOOK_POLL_INTERVAL_MS: '100' },
  {
    routes(a) {
      // A change that is made and then rolled back: the item is created, then the unit of work fails.
      a.post<{ Params: { specId: string } }>(
        '/test/rolled-back/:specId',
        { preHandler: a.authenticate },
        async (request) =>
          work(request, async (tx, ctx) => {
            await createItemInTx(tx, ctx, request.params.specId, { title: 'Never happened' });
            throw new ConflictError('rolled back on purpose');
          }),
      );
    },
  },
);

async function registerHook(owner: TestUser, projectId: string, url: string, events: string[]) {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/webhooks`,
    headers: owner.auth,
    payload: { url, events },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json<{ id: string; secret: string }>();
}

test('a delivery is a signed Standard Webhooks POST that verifies with the secret', async () => {
  const receiver = await startReceiver();
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const hook = await registerHook(owner, project.id, receiver.url, ['item.created']);
  const spec = await createSpecification(app, owner, project.id);
  const item = await createItem(app, owner, spec.id, { title: 'Sign in', body: 'secret body' });

  const [got] = await receiver.waitFor(1);
  assert.ok(got);
  assert.equal(got.path, '/hooks');
  assert.equal(got.headers['content-type'], 'application/json');
  assert.match(String(got.headers['webhook-id']), /^[0-9a-f-]{36}$/);
  const sentAt = Number(got.headers['webhook-timestamp']);
  assert.ok(Math.abs(sentAt - Date.now() / 1000) < 30, 'the timestamp is the time of sending');
  assert.match(String(got.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);

  // The receiver's side, with the standardwebhooks package: the signature checks out.
  const verified = new Verifier(hook.secret).verify(got.body, {
    'webhook-id': String(got.headers['webhook-id']),
    'webhook-timestamp': String(got.headers['webhook-timestamp']),
    'webhook-signature': String(got.headers['webhook-signature']),
  });
  assert.deepEqual(verified, got.json);
  assert.throws(
    () =>
      new Verifier(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(got.body, {
        'webhook-id': String(got.headers['webhook-id']),
        'webhook-timestamp': String(got.headers['webhook-timestamp']),
        'webhook-signature': String(got.headers['webhook-signature']),
      }),
    /signature/i,
    'another secret does not verify',
  );
  assert.throws(() =>
    new Verifier(hook.secret).verify(got.body.replace('Sign in', 'Sign on'), {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    }),
  );

  assert.equal(got.json.type, 'item.created');
  assert.ok(Date.parse(got.json.timestamp) > Date.now() - 60_000);
  assert.deepEqual(
    { ...got.json.data, id: undefined },
    {
      id: undefined,
      projectId: project.id,
      actorId: owner.id,
      targetType: 'item',
      targetId: item.id,
      details: { key: item.key, title: 'Sign in', specificationId: spec.id, version: 1 },
    },
  );
  assert.ok(!got.body.includes('secret body'), 'item bodies are not sent');
  const activity = await app.db
    .selectFrom('audit_events')
    .select('id')
    .where('id', '=', got.json.data.id as string)
    .executeTakeFirst();
  assert.ok(activity, 'data.id is the id of the activity event');

  // The delivery page shows it delivered.
  const page = await app.inject({
    method: 'GET',
    url: `/api/v1/projects/${project.id}/webhooks/${hook.id}/deliveries`,
    headers: owner.auth,
  });
  assert.equal(page.statusCode, 200);
  const deliveries = page.json<{ data: Record<string, unknown>[] }>().data;
  assert.equal(deliveries.length, 1);
  assert.equal(deliveries[0]?.id, got.headers['webhook-id']);
  assert.equal(deliveries[0]?.event, 'item.created');
  assert.equal(deliveries[0]?.status, 'delivered');
  assert.equal(deliveries[0]?.attempts, 1);
  assert.equal(deliveries[0]?.responseStatus, 204);
});

test('only subscribed events of the webhook’s own project are sent', async () => {
  const receiver = await startReceiver();
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const other = await createProject(app, owner);
  await registerHook(owner, project.id, receiver.url, ['link.*', 'specification.created']);
  const inactive = await registerHook(owner, project.id, `${receiver.url}/off`, ['*']);
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/projects/${project.id}/webhooks/${inactive.id}`,
    headers: owner.auth,
    payload: { active: false },
  });
  const spec = await createSpecification(app, owner, project.id);
  const a = await createItem(app, owner, spec.id);
  const b = await createItem(app, owner, spec.id);
  await createLink(app, owner, a.id, b.id, 'refines');
  const otherSpec = await createSpecification(app, owner, other.id);
  await createItem(app, owner, otherSpec.id);

  await receiver.waitFor(2);
  await sleep(500);
  assert.deepEqual(
    receiver.requests.map((r) => [r.path, r.json.type]),
    [
      ['/hooks', 'specification.created'],
      ['/hooks', 'link.created'],
    ],
  );
});

test('deliveries arrive in order per webhook, each once', async () => {
  const receiver = await startReceiver();
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  await registerHook(owner, project.id, receiver.url, ['item.*']);
  const spec = await createSpecification(app, owner, project.id);
  const item = await createItem(app, owner, spec.id, { title: 'v1' });
  for (let v = 2; v <= 30; v++) {
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/v1/items/${item.id}`,
      headers: owner.auth,
      payload: { title: `v${v}` },
    });
    assert.equal(res.statusCode, 200, res.body);
  }
  const got = await receiver.waitFor(30);
  assert.deepEqual(
    got.map((h) => (h.json.data.details as { title: string }).title),
    Array.from({ length: 30 }, (_, i) => `v${i + 1}`),
  );
  assert.equal(new Set(got.map((h) => h.headers['webhook-id'])).size, 30);
  await sleep(300);
  assert.equal(receiver.requests.length, 30, 'nothing sent twice');
});

test('a rolled-back change sends nothing; a committed one is sent', async () => {
  const receiver = await startReceiver();
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const hook = await registerHook(owner, project.id, receiver.url, ['item.created']);
  const spec = await createSpecification(app, owner, project.id);

  const failed = await app.inject({
    method: 'POST',
    url: `/test/rolled-back/${spec.id}`,
    headers: owner.auth,
  });
  assert.equal(failed.statusCode, 409);
  const queued = await app.db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('webhook_id', '=', hook.id)
    .execute();
  assert.deepEqual(queued, [], 'no delivery outlives the rollback');

  await createItem(app, owner, spec.id, { title: 'Committed' });
  const [got] = await receiver.waitFor(1);
  await sleep(300);
  assert.equal(receiver.requests.length, 1);
  assert.equal((got?.json.data.details as { title: string }).title, 'Committed');
});

test('an item change that makes links suspect says how many', async () => {
  const receiver = await startReceiver();
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  await registerHook(owner, project.id, receiver.url, ['item.updated']);
  const spec = await createSpecification(app, owner, project.id);
  const requirement = await createItem(app, owner, spec.id, { title: 'Requirement' });
  const test1 = await createItem(app, owner, spec.id, { title: 'Test' });
  await createLink(app, owner, test1.id, requirement.id, 'verifies');
  const res = await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${requirement.id}`,
    headers: owner.auth,
    payload: { body: 'Changed text' },
  });
  assert.equal(res.statusCode, 200);
  const [got] = await receiver.waitFor(1);
  assert.equal((got?.json.data.details as { suspectLinks: number }).suspectLinks, 1);
});

test('a webhook pointed elsewhere sends its waiting deliveries there at once', async () => {
  const first = await startReceiver();
  const second = await startReceiver();
  first.answer(() => ({ status: 204, delayMs: 150 }));
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const hook = await registerHook(owner, project.id, first.url, ['item.created']);
  const spec = await createSpecification(app, owner, project.id);
  for (let n = 1; n <= 20; n++) await createItem(app, owner, spec.id, { title: `#${n}` });
  await first.waitFor(1);
  const moved = await app.inject({
    method: 'PATCH',
    url: `/api/v1/projects/${project.id}/webhooks/${hook.id}`,
    headers: owner.auth,
    payload: { url: second.url },
  });
  assert.equal(moved.statusCode, 200);
  const before = first.requests.length;
  const titles = (hooks: { json: { data: Record<string, unknown> } }[]) =>
    hooks.map((h) => (h.json.data.details as { title: string }).title);
  await second.waitFor(20 - before - 1, 15_000).catch(() => undefined);
  await sleep(500);
  assert.ok(
    first.requests.length <= before + 1,
    `at most the attempt under way went to the old URL (${first.requests.length - before})`,
  );
  // Every event arrived, in order, across the two receivers (one may have reached both).
  const all = [...titles(first.received), ...titles(second.received)];
  assert.deepEqual(
    [...new Set(all)],
    Array.from({ length: 20 }, (_, i) => `#${i + 1}`),
  );
});

test('a slow receiver does not hold up another webhook', async () => {
  const slow = await startReceiver();
  const fast = await startReceiver();
  slow.answer(() => ({ status: 204, delayMs: 3000 }));
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  await registerHook(owner, project.id, slow.url, ['item.created']);
  const spec = await createSpecification(app, owner, project.id);
  await createItem(app, owner, spec.id, { title: 'to the slow one' });
  while (slow.requests.length === 0) await sleep(20);
  // The slow receiver is now holding its attempt; a webhook registered now must not wait for it.
  await registerHook(owner, project.id, fast.url, ['item.created']);
  const started = Date.now();
  await createItem(app, owner, spec.id, { title: 'to both' });
  await fast.waitFor(1, 2500);
  assert.ok(Date.now() - started < 2500, 'delivered while the slow attempt was still open');
  assert.equal(slow.received.length, 0, 'the slow one had not answered yet');
});
