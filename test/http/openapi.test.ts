import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATION_IDS } from '../../src/http/operation-ids.js';
import { setupTestEnv } from '../helpers/app.js';

// The API document as clients and generators read it (the linter runs in `npm run check`).
const env = await setupTestEnv();
const app = await env.app();
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is plain JSON
type Json = Record<string, any>;
const doc = (await app.inject({ url: '/api/openapi.json' })).json<Json>();

const operations = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
);
const byId = (id: string): Json => operations.find((o) => o.op.operationId === id)!.op as Json;

test('every operation has a stable camelCase operationId, unique, and the list names no route that is gone', () => {
  assert.ok(operations.length >= 80, String(operations.length));
  const missing = operations.filter((o) => !o.op.operationId).map((o) => o.key);
  assert.deepEqual(missing, []);
  const ids = operations.map((o) => o.op.operationId as string);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z][a-zA-Z0-9]+$/);
  const documented = new Set(operations.map((o) => o.key));
  assert.deepEqual(
    Object.keys(OPERATION_IDS).filter((k) => !documented.has(k)),
    [],
  );
  for (const o of operations) assert.equal(OPERATION_IDS[o.key], o.op.operationId, o.key);
});

test('schemas are named components; errors are problem+json; no response is a bare "Default Response"', () => {
  const names = Object.keys(doc.components.schemas as object);
  for (const name of [
    'Problem',
    'User',
    'Project',
    'Specification',
    'Item',
    'Link',
    'Baseline',
    'Approval',
  ]) {
    assert.ok(names.includes(name), name);
  }
  const item = byId('getItem').responses['200'];
  assert.deepEqual(item.content['application/json'].schema, { $ref: '#/components/schemas/Item' });
  for (const { key, op } of operations) {
    assert.ok(op.description, `${key} has a description`);
    for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
      assert.notEqual(response.description, 'Default Response', `${key} ${status}`);
      if (Number(status) >= 400 && response.content) {
        assert.deepEqual(
          Object.keys(response.content),
          ['application/problem+json'],
          `${key} ${status}`,
        );
      }
    }
  }
});

test('the headers are documented: rate limits and request id everywhere, ETag, Location, If-Match, Retry-After', () => {
  for (const { key, op } of operations) {
    for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
      for (const header of [
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'X-Request-Id',
      ]) {
        assert.ok(response.headers?.[header], `${key} ${status} ${header}`);
      }
      if (status === '429') assert.ok(response.headers['Retry-After'], key);
      if (status === '201') assert.ok(response.headers.Location, key);
    }
    assert.ok(op.responses['429'], `${key} can be rate limited`);
  }
  assert.ok(byId('getItem').responses['200'].headers.ETag);
  assert.ok(byId('getItem').responses['304']);
  // /health's `version` is the service's, not an entity tag; a project never answers 304.
  assert.equal(byId('getHealth').responses['200'].headers.ETag, undefined);
  assert.ok(byId('getProject').responses['200'].headers.ETag);
  assert.equal(byId('getProject').responses['304'], undefined);
  assert.ok(byId('updateItem').responses['200'].headers.ETag);
  assert.equal(byId('listItems').responses['200'].headers.ETag, undefined);
  const params = (id: string) => (byId(id).parameters as { $ref?: string }[]).map((p) => p.$ref);
  assert.ok(params('updateItem').includes('#/components/parameters/IfMatch'));
  assert.ok(params('deleteSpecification').includes('#/components/parameters/IfMatch'));
  assert.ok(params('getItem').includes('#/components/parameters/IfNoneMatch'));
  assert.equal(doc.components.headers.ETag.schema.type, 'string');
});

test('every operation that takes or gives JSON has an example; public ones say so; export formats are optional', () => {
  for (const { key, op } of operations) {
    const bodies = [
      op.requestBody?.content?.['application/json'],
      ...Object.entries(op.responses as Record<string, Json>)
        .filter(([s]) => Number(s) < 300)
        .map(([, r]) => r.content?.['application/json'] as Json | undefined),
    ].filter(Boolean);
    for (const body of bodies) assert.notEqual(body.example, undefined, key);
    assert.ok(Array.isArray(op.security), `${key} declares its security`);
  }
  assert.deepEqual(byId('login').security, []);
  assert.deepEqual(byId('getItem').security, [{ bearerAuth: [] }]);
  const format = (byId('exportSpecification').parameters as Json[]).find(
    (p) => p.name === 'format',
  )!;
  assert.equal(format.required, false);
  assert.equal(format.schema.default, 'markdown');
  const created = byId('createItem').responses['201'].content['application/json'].example;
  assert.equal(typeof created.id, 'string');
  assert.equal(created.status, 'draft');
});
