import assert from 'node:assert/strict';
import helmet from 'helmet';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { headersSetBy } from '../../src/http/security-headers.js';
import { setupTestEnv } from '../helpers/app.js';

const env = await setupTestEnv();
const app = await env.app({ CORS_ORIGINS: 'https://app.example.com' });

test('API responses carry the strict REST policy: nothing may load, nothing may frame', async () => {
  for (const url of [
    '/health',
    '/api/v1/users/me',
    '/api/v1/nope',
    '/api/openapi.json',
    '/api/docsfoo',
  ]) {
    const res = await app.inject({ url });
    assert.equal(
      res.headers['content-security-policy'],
      "default-src 'none';frame-ancestors 'none'",
    );
    assert.equal(res.headers['x-frame-options'], 'DENY', url);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
    assert.equal(res.headers['x-powered-by'], undefined, url);
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', url);
    assert.equal(res.headers['referrer-policy'], 'no-referrer', url);
  }
  // An error before any handler runs (a body that is not JSON) keeps them too.
  const bad = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    payload: '{"email":',
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'");
  assert.equal(bad.headers['x-frame-options'], 'DENY');
});

test('the headers taken from helmet once are those it sets on a real response', async () => {
  const middleware = helmet({
    contentSecurityPolicy: { directives: { imgSrc: ["'self'", 'data:'] } },
  });
  const server = createServer((req, res) => middleware(req, res, () => res.end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const real = Object.fromEntries(
      [...(await fetch(`http://127.0.0.1:${port}/`)).headers].filter(
        ([name]) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name),
      ),
    );
    assert.ok(Object.keys(real).length >= 10);
    assert.deepEqual(headersSetBy(middleware), real);
  } finally {
    server.close();
  }
});

test('the docs page works under its policy: its scripts and styles are its own, none inline', async () => {
  const page = await app.inject({ url: '/api/docs/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /style-src 'self'/);
  assert.doesNotMatch(csp, /upgrade-insecure-requests/, 'plain http would lose its assets');
  // script-src 'self' refuses inline scripts: every script must come from a file.
  const scripts = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length > 0);
  for (const [, attrs, inline] of scripts) {
    assert.match(String(attrs), /src="/);
    assert.equal(String(inline).trim(), '');
  }
  const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => String(m[1]));
  assert.ok(assets.length >= 3);
  for (const asset of assets) {
    const url = new URL(asset, 'http://gilla.test/api/docs/');
    assert.equal(url.origin, 'http://gilla.test', `${asset} is same-origin ('self')`);
    const res = await app.inject({ url: url.pathname });
    assert.equal(res.statusCode, 200, asset);
  }
});

test('CORS: an allowed origin may read the response and its headers; others get nothing', async () => {
  const allowed = await app.inject({
    url: '/health',
    headers: { origin: 'https://app.example.com' },
  });
  assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.match(String(allowed.headers['access-control-expose-headers']), /RateLimit-Remaining/);
  assert.match(String(allowed.headers['access-control-expose-headers']), /Location/);
  assert.match(String(allowed.headers['access-control-expose-headers']), /WWW-Authenticate/);
  assert.match(String(allowed.headers.vary), /Origin/);

  const foreign = await app.inject({ url: '/health', headers: { origin: 'https://evil.example' } });
  assert.equal(foreign.statusCode, 200);
  assert.equal(foreign.headers['access-control-allow-origin'], undefined);
  assert.equal(foreign.headers['access-control-expose-headers'], undefined);

  // Servers and probes send no Origin: no CORS headers, but caches still key on Origin.
  const none = await app.inject({ url: '/health' });
  assert.equal(none.headers['access-control-allow-origin'], undefined);
  assert.equal(none.headers['access-control-expose-headers'], undefined);
  assert.match(String(none.headers.vary), /Origin/);
});

test('CORS preflight: answered for an allowed origin; another gets 204 without CORS headers', async () => {
  const preflight = (origin: string) =>
    app.inject({
      method: 'OPTIONS',
      url: '/api/v1/projects',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
  const allowed = await preflight('https://app.example.com');
  assert.equal(allowed.statusCode, 204);
  assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
  // Every method the API uses may be sent from the browser.
  const methods = String(allowed.headers['access-control-allow-methods']).split(/, */);
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
    assert.ok(methods.includes(method), `${method} in ${methods.join(',')}`);
  }
  // Another origin: 204 without CORS headers, so the browser refuses; never the 404 of no route.
  const foreign = await preflight('https://evil.example');
  assert.equal(foreign.statusCode, 204);
  assert.equal(foreign.headers['access-control-allow-origin'], undefined);
  assert.equal(foreign.headers['access-control-allow-methods'], undefined);
});

test('CORS_ORIGINS=* lets any origin read responses; an empty Origin is no origin', async () => {
  const open = await env.app({ CORS_ORIGINS: '*' });
  const res = await open.inject({ url: '/health', headers: { origin: 'https://any.example' } });
  assert.equal(res.headers['access-control-allow-origin'], 'https://any.example');
  for (const method of ['GET', 'OPTIONS'] as const) {
    const empty = await open.inject({ method, url: '/health', headers: { origin: '' } });
    assert.ok(empty.statusCode < 500, `${method}: ${empty.statusCode}`);
    assert.equal(empty.headers['access-control-allow-origin'], undefined);
  }
});
