import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { updateUser } from '../../src/users/users.repository.js';
import { setupTestEnv } from '../helpers/app.js';
import {
  addMember,
  createItem,
  createProject,
  createSpecification,
  createUser,
  type TestUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const [owner, editor, viewer, stranger] = await Promise.all([
  createUser(app, { name: 'Olive Owner' }),
  createUser(app, { name: 'Eddie Editor' }),
  createUser(app),
  createUser(app),
]);

interface Approval {
  id: string;
  subject: string;
  subjectId: string;
  version: number;
  contentHash: string;
  meaning: string;
  comment: string | null;
  signedBy: { id: string; email: string; name: string | null };
  signedAt: string;
  valid: boolean;
}

async function fixture() {
  const project = await createProject(app, owner);
  await addMember(app, owner, project.id, editor, 'editor');
  await addMember(app, owner, project.id, viewer, 'viewer');
  const spec = await createSpecification(app, owner, project.id);
  const item = await createItem(app, owner, spec.id, { title: 'Lock after 10', body: 'Ten.' });
  const other = await createItem(app, owner, spec.id, { title: 'Other' });
  return { project, spec, item, other };
}

const sign = (user: TestUser, path: string, payload: object, headers: object = {}) =>
  app.inject({
    method: 'POST',
    url: `/api/v1${path}/approvals`,
    headers: { ...user.auth, ...headers },
    payload,
  });

async function approvalsOf(path: string, user: TestUser = viewer): Promise<Approval[]> {
  const res = await app.inject({ url: `/api/v1${path}/approvals`, headers: user.auth });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ data: Approval[] }>().data;
}

const approvalCount = async () =>
  Number(
    (
      await app.db
        .selectFrom('approvals')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

test('an editor signs an item with their password: who, when, what it means, bound to its version and content', async () => {
  const f = await fixture();
  const res = await sign(editor, `/items/${f.item.id}`, {
    meaning: 'approved',
    comment: 'Checked against the safety case',
    password: editor.password,
  });
  assert.equal(res.statusCode, 201, res.body);
  const approval = res.json<Approval>();
  assert.equal(approval.subject, 'item');
  assert.equal(approval.subjectId, f.item.id);
  assert.equal(approval.version, f.item.version);
  assert.equal(
    approval.contentHash,
    sha256(JSON.stringify([f.item.key, 'Lock after 10', 'Ten.', 'draft'])),
  );
  assert.equal(approval.meaning, 'approved');
  assert.equal(approval.comment, 'Checked against the safety case');
  assert.deepEqual(approval.signedBy, { id: editor.id, email: editor.email, name: 'Eddie Editor' });
  assert.ok(Math.abs(Date.parse(approval.signedAt) - Date.now()) < 60_000);
  assert.equal(approval.valid, true);
  assert.ok(!res.body.includes(editor.password));
  assert.deepEqual(await approvalsOf(`/items/${f.item.id}`), [approval]);
});

test("an item approval stays valid through moves and links, and turns invalid once the item's content changes", async () => {
  const f = await fixture();
  const first = await sign(owner, `/items/${f.item.id}`, {
    meaning: 'reviewed',
    password: owner.password,
  });
  assert.equal(first.statusCode, 201);
  await app.inject({
    method: 'POST',
    url: `/api/v1/items/${f.item.id}/move`,
    headers: owner.auth,
    payload: { after: f.other.id },
  });
  await app.inject({
    method: 'POST',
    url: `/api/v1/items/${f.item.id}/links`,
    headers: owner.auth,
    payload: { targetId: f.other.id, type: 'depends_on' },
  });
  assert.equal((await approvalsOf(`/items/${f.item.id}`))[0]!.valid, true);

  const edit = await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${f.item.id}`,
    headers: owner.auth,
    payload: { status: 'approved' },
  });
  assert.equal(edit.statusCode, 200);
  const [stale] = await approvalsOf(`/items/${f.item.id}`);
  assert.equal(stale!.valid, false);
  assert.equal(stale!.version, f.item.version);
  // Undoing the change does not make the signature hold again.
  const undo = await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${f.item.id}`,
    headers: owner.auth,
    payload: { status: 'draft' },
  });
  assert.equal(undo.statusCode, 200);
  assert.equal((await approvalsOf(`/items/${f.item.id}`))[0]!.valid, false);

  // Signing again binds to the new version; newest first.
  const again = await sign(owner, `/items/${f.item.id}`, {
    meaning: 'approved',
    password: owner.password,
  });
  const list = await approvalsOf(`/items/${f.item.id}`);
  assert.deepEqual(
    list.map((a) => [a.id, a.valid, a.version]),
    [
      [again.json<Approval>().id, true, undo.json<{ version: number }>().version],
      [stale!.id, false, f.item.version],
    ],
  );
});

test('a baseline is signed with its content hash and stays valid', async () => {
  const f = await fixture();
  const taken = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${f.spec.id}/baselines`,
    headers: editor.auth,
    payload: { name: 'Release 1' },
  });
  const baseline = taken.json<{ id: string; contentHash: string }>();
  const res = await sign(editor, `/baselines/${baseline.id}`, {
    meaning: 'rejected',
    comment: 'Item 2 is untestable',
    password: editor.password,
  });
  assert.equal(res.statusCode, 201, res.body);
  const approval = res.json<Approval>();
  assert.deepEqual(
    [approval.subject, approval.subjectId, approval.version, approval.contentHash, approval.valid],
    ['baseline', baseline.id, 1, baseline.contentHash, true],
  );
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${f.item.id}`,
    headers: editor.auth,
    payload: { body: 'changed after the baseline' },
  });
  assert.deepEqual(await approvalsOf(`/baselines/${baseline.id}`), [approval]);
});

test('signing without the password, or with a wrong one, is 401 reauthentication_required and writes nothing', async () => {
  const f = await fixture();
  const before = await approvalCount();
  for (const payload of [
    { meaning: 'approved' },
    { meaning: 'approved', password: '' },
    { meaning: 'approved', password: 'not my password' },
  ]) {
    const res = await sign(editor, `/items/${f.item.id}`, payload);
    assert.equal(res.statusCode, 401, JSON.stringify(payload));
    assert.equal(res.json<{ code: string }>().code, 'reauthentication_required');
    // Not a token problem: a client must not drop the session over it.
    assert.equal(res.headers['www-authenticate'], undefined);
  }
  assert.equal(await approvalCount(), before);
  const me = await app.inject({ url: '/api/v1/users/me', headers: editor.auth });
  assert.equal(me.statusCode, 200);
});

test('wrong signing passwords count toward the login lockout', async () => {
  const f = await fixture();
  const victim = await createUser(app);
  await addMember(app, owner, f.project.id, victim, 'editor');
  for (let i = 0; i < 10; i++) {
    const res = await sign(victim, `/items/${f.item.id}`, {
      meaning: 'approved',
      password: `guess ${i}`,
    });
    assert.equal(res.statusCode, 401);
  }
  const locked = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: victim.email, password: victim.password },
  });
  assert.equal(locked.statusCode, 429);
  assert.ok(Number(locked.headers['retry-after']) > 0);
  const signing = await sign(victim, `/items/${f.item.id}`, {
    meaning: 'approved',
    password: victim.password,
  });
  assert.equal(signing.statusCode, 429);
});

test('an account without a password signs only within 5 minutes of signing in', async () => {
  const f = await fixture();
  const federated = await createUser(app);
  await addMember(app, owner, f.project.id, federated, 'editor');
  await updateUser(app.db, federated.id, { password_hash: null });
  const fresh = await sign(federated, `/items/${f.item.id}`, { meaning: 'reviewed' });
  assert.equal(fresh.statusCode, 201, fresh.body);
  // A password it does not have proves nothing.
  const withPassword = await sign(federated, `/items/${f.item.id}`, {
    meaning: 'reviewed',
    password: federated.password,
  });
  assert.equal(withPassword.statusCode, 401);

  await sql`update sessions set created_at = now() - interval '6 minutes'
            where user_id = ${federated.id}`.execute(app.db);
  const old = await sign(federated, `/items/${f.item.id}`, { meaning: 'reviewed' });
  assert.equal(old.statusCode, 401);
  assert.equal(old.json<{ code: string }>().code, 'reauthentication_required');
  assert.match(old.json<{ detail: string }>().detail, /sign in again/);
});

test('viewers may read but not sign (403), strangers get 404, and their passwords are never tried', async () => {
  const f = await fixture();
  const taken = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${f.spec.id}/baselines`,
    headers: editor.auth,
    payload: { name: 'to sign' },
  });
  const baselineId = taken.json<{ id: string }>().id;
  const before = await approvalCount();
  const baselineAs = (user: TestUser) =>
    sign(user, `/baselines/${baselineId}`, { meaning: 'approved', password: user.password });
  assert.equal((await baselineAs(viewer)).statusCode, 403);
  assert.equal((await baselineAs(stranger)).statusCode, 404);
  const strangerReads = await app.inject({
    url: `/api/v1/baselines/${baselineId}/approvals`,
    headers: stranger.auth,
  });
  assert.equal(strangerReads.statusCode, 404);
  assert.deepEqual(await approvalsOf(`/baselines/${baselineId}`, viewer), []);
  const asViewer = await sign(viewer, `/items/${f.item.id}`, {
    meaning: 'approved',
    password: 'wrong',
  });
  assert.equal(asViewer.statusCode, 403);
  const asStranger = await sign(stranger, `/items/${f.item.id}`, {
    meaning: 'approved',
    password: stranger.password,
  });
  assert.equal(asStranger.statusCode, 404);
  const list = await app.inject({
    url: `/api/v1/items/${f.item.id}/approvals`,
    headers: stranger.auth,
  });
  assert.equal(list.statusCode, 404);
  assert.equal(await approvalCount(), before);
  // Ten 403s did not lock the viewer out.
  for (let i = 0; i < 10; i++) {
    await sign(viewer, `/items/${f.item.id}`, { meaning: 'approved', password: 'wrong' });
  }
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: viewer.email, password: viewer.password },
  });
  assert.equal(login.statusCode, 200);
});

test('If-Match binds the signature to the version the signer read; bad input is 400; nothing written', async () => {
  const f = await fixture();
  const before = await approvalCount();
  const stale = await sign(
    editor,
    `/items/${f.item.id}`,
    { meaning: 'approved', password: editor.password },
    { 'if-match': `"${f.item.version + 1}"` },
  );
  assert.equal(stale.statusCode, 412);
  for (const payload of [
    { meaning: 'ok', password: editor.password },
    { password: editor.password },
    { meaning: 'approved', password: editor.password, signedBy: owner.id },
    { meaning: 'approved', password: editor.password, comment: 'x'.repeat(2001) },
  ]) {
    const res = await sign(editor, `/items/${f.item.id}`, payload);
    assert.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80));
  }
  assert.equal(await approvalCount(), before);
  const current = await sign(
    editor,
    `/items/${f.item.id}`,
    { meaning: 'approved', password: editor.password },
    { 'if-match': `"${f.item.version}"` },
  );
  assert.equal(current.statusCode, 201);
});

test('approvals are never changed or deleted: no route, the database refuses, they outlive their item and go with the specification', async () => {
  const f = await fixture();
  const made = await sign(owner, `/items/${f.item.id}`, {
    meaning: 'approved',
    password: owner.password,
  });
  const id = made.json<Approval>().id;
  for (const method of ['PATCH', 'DELETE'] as const) {
    const res = await app.inject({
      method,
      url: `/api/v1/items/${f.item.id}/approvals/${id}`,
      headers: owner.auth,
      ...(method === 'PATCH' ? { payload: { meaning: 'rejected' } } : {}),
    });
    assert.equal(res.statusCode, 404);
  }
  await assert.rejects(
    sql`update approvals set meaning = 'rejected' where id = ${id}`.execute(app.db),
    /never changed/,
  );
  const taken = await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${f.spec.id}/baselines`,
    headers: owner.auth,
    payload: { name: 'to sign and delete' },
  });
  const baselineId = taken.json<{ id: string }>().id;
  const signedBaseline = await sign(owner, `/baselines/${baselineId}`, {
    meaning: 'approved',
    password: owner.password,
  });
  assert.equal(signedBaseline.statusCode, 201);
  for (const path of [`/items/${f.item.id}`, `/baselines/${baselineId}`]) {
    const del = await app.inject({ method: 'DELETE', url: `/api/v1${path}`, headers: owner.auth });
    assert.equal(del.statusCode, 204);
    // The signatures of a deleted subject stay readable to the members, no longer valid.
    const kept = await approvalsOf(path, viewer);
    assert.equal(kept.length, 1, path);
    assert.equal(kept[0]!.meaning, 'approved');
    assert.equal(kept[0]!.valid, false);
    const strangerReads = await app.inject({
      url: `/api/v1${path}/approvals`,
      headers: stranger.auth,
    });
    assert.equal(strangerReads.statusCode, 404);
  }
  // A subject that never existed has no approvals to show.
  const never = await app.inject({
    url: `/api/v1/items/${baselineId.replace(/.$/, '0')}/approvals`,
    headers: owner.auth,
  });
  assert.equal(never.statusCode, 404);
  const specGone = await app.inject({
    method: 'DELETE',
    url: `/api/v1/specifications/${f.spec.id}`,
    headers: owner.auth,
  });
  assert.equal(specGone.statusCode, 204);
  const left = await app.db
    .selectFrom('approvals')
    .select('id')
    .where('specification_id', '=', f.spec.id)
    .execute();
  assert.equal(left.length, 0);
});
