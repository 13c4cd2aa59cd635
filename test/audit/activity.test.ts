import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  addMember,
  createItem,
  createLink,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();

interface ActivityEvent {
  id: string;
  type: string;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  ip?: unknown;
  userAgent?: unknown;
}

test('a project’s activity lists its changes, newest first, to its members only', async () => {
  const owner = await createUser(app);
  const viewer = await createUser(app);
  const stranger = await createUser(app);
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, viewer, 'viewer');
  const spec = await createSpecification(app, owner, project.id, { title: 'Login' });
  const a = await createItem(app, owner, spec.id, { title: 'Sign in', body: 'secret body text' });
  const b = await createItem(app, owner, spec.id, { title: 'Sign out' });
  const patched = await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${a.id}`,
    headers: { ...owner.auth, 'if-match': `"${a.version}"` },
    payload: { status: 'in_review' },
  });
  assert.equal(patched.statusCode, 200);
  const link = await createLink(app, owner, b.id, a.id, 'refines');
  const deleted = await app.inject({
    method: 'DELETE',
    url: `/api/v1/items/${b.id}`,
    headers: { ...owner.auth, 'if-match': '"2"' },
  });
  assert.equal(deleted.statusCode, 204, deleted.body);
  const baseline = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${spec.id}/baselines`,
    headers: owner.auth,
    payload: { name: 'v1' },
  });
  assert.equal(baseline.statusCode, 201, baseline.body);

  const res = await app.inject({
    method: 'GET',
    url: `/api/v1/projects/${project.id}/activity?limit=100`,
    headers: viewer.auth,
  });
  assert.equal(res.statusCode, 200, res.body);
  const events = res.json<{ data: ActivityEvent[] }>().data;
  assert.deepEqual(
    events.map((e) => e.type),
    [
      'baseline.created',
      'item.deleted',
      'link.created',
      'item.updated',
      'item.created',
      'item.created',
      'specification.created',
      'member.added',
    ],
  );
  const updated = events.find((e) => e.type === 'item.updated') as ActivityEvent;
  assert.equal(updated.actorId, owner.id);
  assert.equal(updated.targetId, a.id);
  assert.deepEqual(updated.details, {
    key: a.key,
    title: 'Sign in',
    specificationId: spec.id,
    version: 2,
    fields: ['status'],
    suspectLinks: 0,
  });
  const linked = events.find((e) => e.type === 'link.created') as ActivityEvent;
  assert.equal(linked.targetId, link.id);
  assert.equal(linked.details.type, 'refines');
  assert.ok(!JSON.stringify(events).includes('secret body text'), 'bodies stay out of activity');
  assert.ok(events.every((e) => e.ip === undefined && e.userAgent === undefined));

  const items = await app.inject({
    method: 'GET',
    url: `/api/v1/projects/${project.id}/activity?type=item`,
    headers: owner.auth,
  });
  assert.deepEqual(
    items.json<{ data: ActivityEvent[] }>().data.map((e) => e.type),
    ['item.deleted', 'item.updated', 'item.created', 'item.created'],
  );
  const one = await app.inject({
    method: 'GET',
    url: `/api/v1/projects/${project.id}/activity?type=link.created`,
    headers: owner.auth,
  });
  assert.equal(one.json<{ data: ActivityEvent[] }>().data.length, 1);

  const hidden = await app.inject({
    method: 'GET',
    url: `/api/v1/projects/${project.id}/activity`,
    headers: stranger.auth,
  });
  assert.equal(hidden.statusCode, 404);
  // Another project's events stay in that project.
  const other = await createProject(app, stranger);
  const theirs = await app.inject({
    method: 'GET',
    url: `/api/v1/projects/${other.id}/activity`,
    headers: stranger.auth,
  });
  assert.deepEqual(theirs.json<{ data: unknown[] }>().data, []);
});

test('member changes and a rolled-back write: the activity holds exactly what happened', async () => {
  const owner = await createUser(app);
  const editor = await createUser(app);
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, editor, 'editor');
  const role = await app.inject({
    method: 'PATCH',
    url: `/api/v1/projects/${project.id}/members/${editor.id}`,
    headers: owner.auth,
    payload: { role: 'viewer' },
  });
  assert.equal(role.statusCode, 200);
  // A viewer's write is refused: nothing of it is recorded.
  const refused = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${project.id}/specifications`,
    headers: editor.auth,
    payload: { title: 'Not allowed' },
  });
  assert.equal(refused.statusCode, 403);
  const left = await app.inject({
    method: 'DELETE',
    url: `/api/v1/projects/${project.id}/members/${editor.id}`,
    headers: editor.auth,
  });
  assert.equal(left.statusCode, 204);
  const events = (
    await app.inject({
      method: 'GET',
      url: `/api/v1/projects/${project.id}/activity`,
      headers: owner.auth,
    })
  ).json<{ data: ActivityEvent[] }>().data;
  assert.deepEqual(
    events.map((e) => [e.type, e.actorId, e.targetId]),
    [
      ['member.removed', editor.id, editor.id],
      ['member.updated', owner.id, editor.id],
      ['member.added', owner.id, editor.id],
    ],
  );
  assert.deepEqual(events[1]?.details, { role: 'viewer', previousRole: 'editor' });
});
