import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';

const env = await setupTestEnv();
const app = await env.app();
const user = await createUser(app);
const project = await createProject(app, user);
const spec = await createSpecification(app, user, project.id);
const item = await createItem(app, user, spec.id, { title: 'Kept', body: 'kept' });

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${spec.id}/items`,
    headers: { ...user.auth, ...headers },
    payload: payload as string,
  });

const problem = (res: { json: <T>() => T }) =>
  res.json<{ code: string; errors?: { path: string; message: string }[] }>();

test('titles are trimmed and must be 1–200 characters; over a limit is a 400 naming the field', async () => {
  const trimmed = await post({ title: '   Spaced out   ' });
  assert.equal(trimmed.statusCode, 201);
  assert.equal(trimmed.json<{ title: string }>().title, 'Spaced out');
  assert.equal((await post({ title: 'x'.repeat(200) })).statusCode, 201);
  for (const title of ['', '    ', 'x'.repeat(201)]) {
    const res = await post({ title });
    assert.equal(res.statusCode, 400, JSON.stringify(title));
    assert.equal(problem(res).code, 'validation_failed');
    assert.equal(problem(res).errors?.[0]?.path, 'title');
  }
  const rename = await app.inject({
    method: 'PATCH',
    url: `/api/v1/projects/${project.id}`,
    headers: user.auth,
    payload: { name: ' ' },
  });
  assert.equal(problem(rename).errors?.[0]?.path, 'name');
});

test('bodies up to 64 KiB of UTF-8 are taken; one byte more is a 400 naming body', async () => {
  assert.equal((await post({ title: 'Full', body: 'a'.repeat(65_536) })).statusCode, 201);
  const over = await post({ title: 'Over', body: 'a'.repeat(65_537) });
  assert.equal(over.statusCode, 400);
  assert.equal(problem(over).errors?.[0]?.path, 'body');
  // 30,000 euro signs are 90,000 bytes.
  const wide = await post({ title: 'Wide', body: '€'.repeat(30_000) });
  assert.equal(wide.statusCode, 400);
  assert.equal(problem(wide).errors?.[0]?.path, 'body');
  const spec400 = await app.inject({
    method: 'PATCH',
    url: `/api/v1/specifications/${spec.id}`,
    headers: user.auth,
    payload: { description: '€'.repeat(30_000) },
  });
  assert.equal(problem(spec400).errors?.[0]?.path, 'description');
});

test('mass assignment: key, version, ids and owners cannot be set', async () => {
  for (const extra of [
    { key: 'HACK-1' },
    { version: 99 },
    { id: item.id },
    { specificationId: spec.id },
    { createdBy: user.id },
  ]) {
    const res = await post({ title: 'Sneaky', ...extra });
    assert.equal(res.statusCode, 400, JSON.stringify(extra));
    assert.equal(problem(res).errors?.[0]?.message, 'is not an allowed property');
    const patch = await app.inject({
      method: 'PATCH',
      url: `/api/v1/items/${item.id}`,
      headers: user.auth,
      payload: extra,
    });
    assert.equal(patch.statusCode, 400, JSON.stringify(extra));
  }
  const project400 = await app.inject({
    method: 'PATCH',
    url: `/api/v1/projects/${project.id}`,
    headers: user.auth,
    payload: { key: 'NEW' },
  });
  assert.equal(project400.statusCode, 400);
  const now = await app.inject({ url: `/api/v1/items/${item.id}`, headers: user.auth });
  assert.deepEqual(
    {
      title: now.json<{ title: string }>().title,
      version: now.json<{ version: number }>().version,
    },
    { title: 'Kept', version: 1 },
  );
});

test('bad input: wrong status, malformed JSON, wrong type, oversized body, malformed ids', async () => {
  assert.equal((await post({ title: 'x', status: 'done' })).statusCode, 400);
  const malformed = await post('{"title": ', { 'content-type': 'application/json' });
  assert.equal(malformed.statusCode, 400);
  const text = await post('title=x', { 'content-type': 'text/plain' });
  assert.equal(text.statusCode, 415);
  assert.equal(problem(text).code, 'unsupported_media_type');
  const huge = await post({ title: 'x', body: 'a'.repeat(1_100_000) });
  assert.equal(huge.statusCode, 413);
  for (const url of [
    '/api/v1/items/not-a-uuid',
    "/api/v1/specifications/1'%20or%201=1/items",
    `/api/v1/projects/${project.id}/items/NOPE`,
  ]) {
    const res = await app.inject({ url, headers: user.auth });
    assert.equal(res.statusCode, 400, url);
  }
  const after = await post({ title: 'x', after: '00000000-0000-7000-8000-000000000000' });
  assert.equal(after.statusCode, 400);
  assert.equal(problem(after).errors?.[0]?.path, 'after');
  const list = await app.inject({
    url: `/api/v1/specifications/${spec.id}/items?limit=100`,
    headers: user.auth,
  });
  // Only the items the successful requests above created.
  assert.deepEqual(
    list.json<{ data: { title: string }[] }>().data.map((i) => i.title),
    ['Kept', 'Spaced out', 'x'.repeat(200), 'Full'],
  );
});
