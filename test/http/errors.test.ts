import { Type } from '@sinclair/typebox';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';

const env = await setupTestEnv();
const app = await env.app();

const echo = await env.app(
  {},
  {
    routes: (instance) => {
      instance.post(
        '/echo',
        {
          schema: {
            body: Type.Object(
              { name: Type.String({ maxLength: 10 }) },
              { additionalProperties: false },
            ),
          },
        },
        (request) => request.body,
      );
      instance.get('/boom', () => {
        throw new Error('secret internal detail: select * from users');
      });
    },
  },
);

function assertProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  code: string,
) {
  assert.equal(res.statusCode, status);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(typeof body.type, 'string');
  assert.equal(typeof body.title, 'string');
  assert.equal(typeof body.detail, 'string');
  return body;
}

test('unknown route and unknown method: 404 problem', async () => {
  assertProblem(await app.inject({ method: 'GET', url: '/api/v1/nope' }), 404, 'not_found');
  assertProblem(await app.inject({ method: 'DELETE', url: '/health' }), 404, 'not_found');
});

test('malformed JSON: 400, not 500', async () => {
  const res = await echo.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': 'application/json' },
    payload: '{"name":',
  });
  assertProblem(res, 400, 'validation_failed');
});

test('a body that is not an object: 400 with the path', async () => {
  const res = await echo.inject({ method: 'POST', url: '/echo', payload: [1, 2] });
  const body = assertProblem(res, 400, 'validation_failed');
  assert.ok(Array.isArray(body.errors));
});

test('unknown properties are rejected, not stripped', async () => {
  const res = await echo.inject({
    method: 'POST',
    url: '/echo',
    payload: { name: 'a', role: 'admin' },
  });
  const body = assertProblem(res, 400, 'validation_failed');
  assert.deepEqual(body.errors, [{ path: 'role', message: 'is not an allowed property' }]);
});

test('a number where a string belongs is not coerced', async () => {
  const res = await echo.inject({ method: 'POST', url: '/echo', payload: { name: 12 } });
  const body = assertProblem(res, 400, 'validation_failed');
  assert.equal((body.errors as { path: string }[])[0]?.path, 'name');
});

test('valid body passes', async () => {
  const res = await echo.inject({ method: 'POST', url: '/echo', payload: { name: 'ok' } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { name: 'ok' });
});

test('wrong content type: 415', async () => {
  const text = await echo.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': 'text/plain' },
    payload: 'name=x',
  });
  assertProblem(text, 415, 'unsupported_media_type');
  const form = await echo.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'name=x',
  });
  assertProblem(form, 415, 'unsupported_media_type');
});

test('a body over 1 MiB: 413', async () => {
  const res = await echo.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }),
  });
  assertProblem(res, 413, 'payload_too_large');
});

test('an unexpected error: 500 without internals', async () => {
  const res = await echo.inject({ method: 'GET', url: '/boom' });
  const body = assertProblem(res, 500, 'internal');
  assert.doesNotMatch(res.body, /secret internal detail|select|stack|at /);
  assert.equal(body.detail, 'An unexpected error occurred');
});

test('X-Request-Id: generated, or a valid incoming one echoed; a bad one replaced', async () => {
  const generated = await app.inject({ method: 'GET', url: '/health/live' });
  assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  const echoed = await app.inject({
    method: 'GET',
    url: '/health/live',
    headers: { 'x-request-id': 'abc-123' },
  });
  assert.equal(echoed.headers['x-request-id'], 'abc-123');
  const bad = await app.inject({
    method: 'GET',
    url: '/health/live',
    headers: { 'x-request-id': 'no spaces <script>' },
  });
  assert.notEqual(bad.headers['x-request-id'], 'no spaces <script>');
  const onError = await app.inject({
    method: 'GET',
    url: '/nope',
    headers: { 'x-request-id': 'err-1' },
  });
  assert.equal(onError.headers['x-request-id'], 'err-1');
});

test('security headers are set and X-Powered-By is not', async () => {
  const res = await app.inject({ method: 'GET', url: '/health/live' });
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.ok(res.headers['content-security-policy']);
  assert.equal(res.headers['x-powered-by'], undefined);
});
