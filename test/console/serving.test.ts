import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import { CONSOLE_DIR } from '../../src/console/console.routes.js';
import { setupTestEnv } from '../helpers/app.js';

// How the service serves the console it is built with (npm run build puts it in dist/console).
const env = await setupTestEnv();
const app = await env.app();
const script = readdirSync(path.join(CONSOLE_DIR, 'assets')).find((f) => /^index-.*\.js$/.test(f));

test('the console is built with the service', () => {
  assert.ok(script, `a hashed entry script in ${CONSOLE_DIR}/assets`);
});

test('its pages answer index.html, never cached, under a strict policy with no inline script', async () => {
  for (const url of [
    '/',
    '/sign-in',
    '/projects/x/members',
    '/reset-password?token=t',
    '/verify-email?token=t',
  ]) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 200, url);
    assert.match(res.headers['content-type'] as string, /^text\/html/);
    assert.equal(res.headers['cache-control'], 'no-cache', url);
    assert.match(res.body, /<div id="app"><\/div>/);
    assert.doesNotMatch(res.body, /<script>|<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    const csp = res.headers['content-security-policy'] as string;
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.ok(res.headers['ratelimit-limit'], 'counted like every route');
  }
});

test('hashed assets are cached for a year, immutable, and sent compressed when accepted', async () => {
  const plain = await app.inject({ url: `/assets/${script}` });
  assert.equal(plain.statusCode, 200);
  assert.match(plain.headers['content-type'] as string, /javascript/);
  assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(plain.headers['content-encoding'], undefined);

  const br = await app.inject({
    url: `/assets/${script}`,
    headers: { 'accept-encoding': 'br, gzip' },
  });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.ok(br.rawPayload.length < plain.rawPayload.length);
  assert.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body);
});

test('unknown paths are API problems; nothing outside the console is served', async () => {
  for (const url of [
    '/nope',
    '/assets/nope.js',
    '/assets/../index.html',
    '/assets/..%2f..%2fsrc%2fserver.js',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/assets/..%2findex.html',
    '/assets/sub%2f..%2f..%2fconsole%2findex.html',
    '/api/v1/nope',
  ]) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 404, url);
    assert.doesNotMatch(res.body, /import|"name"|<html/, 'no file content');
    assert.match(res.headers['content-type'] as string, /application\/problem\+json/, url);
  }
});

test('the API keeps its own policy', async () => {
  const res = await app.inject({ url: '/api/v1/config' });
  assert.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'");
});
