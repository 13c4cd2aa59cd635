import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deleteOrphanDeliveries } from '../../src/webhooks/webhooks.repository.js';
import { setupTestEnv } from '../helpers/app.js';
import { addMember, createProject, createUser, type TestUser } from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app({ WEBHOOK_POLL_INTERVAL_MS: '100' });

interface WebhookBody {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  secret?: string;
  createdAt: string;
  failingSince: string | null;
  deactivatedAt: string | null;
}

const hooksUrl = (projectId: string) => `/api/v1/projects/${projectId}/webhooks`;

function register(user: TestUser, projectId: string, payload: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: hooksUrl(projectId), headers: user.auth, payload });
}

test('an owner registers a webhook; the secret is shown once and stored encrypted', async () => {
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const res = await register(owner, project.id, {
    url: 'http://127.0.0.1:9/hooks',
    events: ['item.updated', 'item.*', 'link.created', 'item.updated'],
  });
  assert.equal(res.statusCode, 201, res.body);
  const hook = res.json<WebhookBody>();
  assert.equal(res.headers.location, `${hooksUrl(project.id)}/${hook.id}`);
  assert.match(hook.secret ?? '', /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.deepEqual(hook.events, ['item.*', 'item.updated', 'link.created'], 'each once, in order');
  assert.equal(hook.active, true);
  assert.equal(hook.url, 'http://127.0.0.1:9/hooks');

  const row = await app.db
    .selectFrom('webhooks')
    .selectAll()
    .where('id', '=', hook.id)
    .executeTakeFirstOrThrow();
  assert.ok(!row.secret_enc.includes(hook.secret!.slice(6)), 'the secret is not stored in clear');
  assert.equal(app.encryptor.decrypt(row.secret_enc), hook.secret);

  const one = await app.inject({
    method: 'GET',
    url: `${hooksUrl(project.id)}/${hook.id}`,
    headers: owner.auth,
  });
  assert.equal(one.statusCode, 200);
  assert.equal(one.json<WebhookBody>().secret, undefined, 'never shown again');
  const list = await app.inject({ method: 'GET', url: hooksUrl(project.id), headers: owner.auth });
  assert.deepEqual(
    list.json<{ data: WebhookBody[] }>().data.map((h) => [h.id, h.secret]),
    [[hook.id, undefined]],
  );

  const audit = await app.db
    .selectFrom('audit_events')
    .select(['type', 'actor_id', 'project_id', 'details'])
    .where('target_id', '=', hook.id)
    .execute();
  assert.deepEqual(audit, [
    {
      type: 'webhook.created',
      actor_id: owner.id,
      project_id: project.id,
      details: { url: hook.url, events: hook.events },
    },
  ]);
  assert.ok(!JSON.stringify(audit).includes(hook.secret!), 'the secret stays out of the log');
});

test('only owners see and manage webhooks', async () => {
  const owner = await createUser(app);
  const editor = await createUser(app);
  const stranger = await createUser(app);
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, editor, 'editor');
  const hook = (
    await register(owner, project.id, { url: 'http://localhost:9/', events: ['*'] })
  ).json<WebhookBody>();

  const asEditor = await register(editor, project.id, {
    url: 'http://localhost:9/',
    events: ['*'],
  });
  assert.equal(asEditor.statusCode, 403);
  const editorList = await app.inject({
    method: 'GET',
    url: hooksUrl(project.id),
    headers: editor.auth,
  });
  assert.equal(editorList.statusCode, 403);
  const strangerPatch = await app.inject({
    method: 'PATCH',
    url: `${hooksUrl(project.id)}/${hook.id}`,
    headers: stranger.auth,
    payload: { active: false },
  });
  assert.equal(strangerPatch.statusCode, 404, 'a project you are not in does not exist for you');
  const strangerDeliveries = await app.inject({
    method: 'GET',
    url: `${hooksUrl(project.id)}/${hook.id}/deliveries`,
    headers: stranger.auth,
  });
  assert.equal(strangerDeliveries.statusCode, 404);

  // Another project's owner cannot reach this webhook through their own project.
  const other = await createProject(app, stranger);
  const across = await app.inject({
    method: 'DELETE',
    url: `${hooksUrl(other.id)}/${hook.id}`,
    headers: stranger.auth,
  });
  assert.equal(across.statusCode, 404);
  const still = await app.db
    .selectFrom('webhooks')
    .select('active')
    .where('id', '=', hook.id)
    .executeTakeFirstOrThrow();
  assert.equal(still.active, true);
});

test('bad URLs and unknown events are a 400 naming the field; nothing is stored', async () => {
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const cases: [Record<string, unknown>, string][] = [
    [{ url: 'http://example.com/hooks', events: ['*'] }, 'url'],
    [{ url: 'ftp://example.com/hooks', events: ['*'] }, 'url'],
    [{ url: 'not a url', events: ['*'] }, 'url'],
    [{ url: 'https://user:pw@example.com/hooks', events: ['*'] }, 'url'],
    [{ url: 'http://10.0.0.1/hooks', events: ['*'] }, 'url'],
    [{ url: 'https://example.com/hooks', events: ['item.exploded'] }, 'events'],
    [{ url: 'https://example.com/hooks', events: ['user.deleted'] }, 'events'],
    [{ url: 'https://example.com/hooks', events: [] }, 'events'],
    [{ url: 'https://example.com/hooks' }, 'events'],
  ];
  for (const [payload, field] of cases) {
    const res = await register(owner, project.id, payload);
    assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
    const problem = res.json<{ errors?: { path: string }[] }>();
    assert.ok(
      problem.errors?.some((e) => e.path.includes(field)),
      `${JSON.stringify(payload)} names ${field}: ${res.body}`,
    );
  }
  const stored = await app.db
    .selectFrom('webhooks')
    .select('id')
    .where('project_id', '=', project.id)
    .execute();
  assert.equal(stored.length, 0);

  // Outside production https goes anywhere, and plain http to loopback only.
  for (const url of ['https://10.0.0.1/x', 'http://localhost:8080/x', 'http://[::1]:8080/x']) {
    const res = await register(owner, project.id, { url, events: ['*'] });
    assert.equal(res.statusCode, 201, `${url}: ${res.body}`);
  }
});

test('a project has at most 20 webhooks', async () => {
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  for (let i = 0; i < 20; i++) {
    const res = await register(owner, project.id, {
      url: `http://127.0.0.1:9/${i}`,
      events: ['*'],
    });
    assert.equal(res.statusCode, 201);
  }
  const res = await register(owner, project.id, { url: 'http://127.0.0.1:9/21', events: ['*'] });
  assert.equal(res.statusCode, 409);
  assert.match(res.json<{ detail: string }>().detail, /at most 20 webhooks/);
});

test('PATCH changes the URL, events and state; DELETE removes it with its deliveries', async () => {
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const hook = (
    await register(owner, project.id, { url: 'http://127.0.0.1:9/a', events: ['item.*'] })
  ).json<WebhookBody>();
  const url = `${hooksUrl(project.id)}/${hook.id}`;

  const bad = await app.inject({
    method: 'PATCH',
    url,
    headers: owner.auth,
    payload: { url: 'http://example.com/' },
  });
  assert.equal(bad.statusCode, 400);
  const patched = await app.inject({
    method: 'PATCH',
    url,
    headers: owner.auth,
    payload: { url: 'http://127.0.0.1:9/b', events: ['link.*'], active: false },
  });
  assert.equal(patched.statusCode, 200, patched.body);
  const after = patched.json<WebhookBody>();
  assert.equal(after.url, 'http://127.0.0.1:9/b');
  assert.deepEqual(after.events, ['link.*']);
  assert.equal(after.active, false);
  const updated = await app.db
    .selectFrom('audit_events')
    .select('details')
    .where('target_id', '=', hook.id)
    .where('type', '=', 'webhook.updated')
    .executeTakeFirstOrThrow();
  assert.deepEqual(updated.details, {
    url: 'http://127.0.0.1:9/b',
    events: ['link.*'],
    active: false,
  });

  await app.db
    .insertInto('webhook_deliveries')
    .values({
      id: crypto.randomUUID(),
      webhook_id: hook.id,
      event_type: 'link.created',
      body: '{}',
    })
    .execute();
  const gone = await app.inject({ method: 'DELETE', url, headers: owner.auth });
  assert.equal(gone.statusCode, 204);
  assert.equal((await app.inject({ method: 'GET', url, headers: owner.auth })).statusCode, 404);
  const left = await app.db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('webhook_id', '=', hook.id)
    .execute();
  assert.deepEqual(left, []);
});

test('a read-only personal access token may list webhooks but not register one', async () => {
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const token = (
    await app.inject({
      method: 'POST',
      url: '/api/v1/users/me/tokens',
      headers: owner.auth,
      payload: { name: 'ro', scopes: ['read'] },
    })
  ).json<{ token: string }>().token;
  const headers = { authorization: `Bearer ${token}` };
  const list = await app.inject({ method: 'GET', url: hooksUrl(project.id), headers });
  assert.equal(list.statusCode, 200);
  const create = await app.inject({
    method: 'POST',
    url: hooksUrl(project.id),
    headers,
    payload: { url: 'http://127.0.0.1:9/', events: ['*'] },
  });
  assert.equal(create.statusCode, 403);
});

test('deleting a project deletes its webhooks; their deliveries are pruned', async () => {
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const hook = (
    await register(owner, project.id, { url: 'http://127.0.0.1:9/a', events: ['*'] })
  ).json<WebhookBody>();
  await app.db
    .insertInto('webhook_deliveries')
    .values({
      id: crypto.randomUUID(),
      webhook_id: hook.id,
      event_type: 'item.created',
      body: '{}',
    })
    .execute();
  const res = await app.inject({
    method: 'DELETE',
    url: `/api/v1/projects/${project.id}`,
    headers: owner.auth,
  });
  assert.equal(res.statusCode, 204, res.body);
  const hooks = await app.db
    .selectFrom('webhooks')
    .select('id')
    .where('id', '=', hook.id)
    .execute();
  assert.deepEqual(hooks, []);
  assert.ok((await deleteOrphanDeliveries(app.db, 1000)) >= 1);
  const left = await app.db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('webhook_id', '=', hook.id)
    .execute();
  assert.deepEqual(left, []);
});
