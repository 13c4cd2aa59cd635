import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

const env = await setupTestEnv();
// PUBLIC_URL names another address than the one the docs are opened at below.
const app = await env.app({ PUBLIC_URL: 'https://gilla.example.com' });
await app.listen({ port: 0, host: '127.0.0.1' });
const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

/** The sources a directive of a Content-Security-Policy allows (default-src when it is absent). */
function allowed(csp: string, directive: string): string[] {
  const rules = new Map(
    csp.split(';').map((r) => {
      const [name, ...values] = r.trim().split(/\s+/);
      return [name!, values];
    }),
  );
  return rules.get(directive) ?? rules.get('default-src') ?? [];
}

test('"Try it out" works from any address: the server is relative and the page may call its own origin', async () => {
  const page = await fetch(`${origin}/api/docs/`);
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy')!;
  const document = (await (await fetch(`${origin}/api/openapi.json`)).json()) as {
    servers: { url: string }[];
    paths: Record<string, unknown>;
  };
  // What Swagger UI does: the first server, resolved against the page, then the path.
  const server = new URL(document.servers[0]!.url, page.url);
  assert.equal(server.origin, origin);
  assert.deepEqual(allowed(csp, 'connect-src'), ["'self'"]);
  assert.ok(document.paths['/api/v1/users/me']);
  const user = await createUser(app);
  const call = await fetch(new URL('/api/v1/users/me', server), {
    headers: { authorization: `Bearer ${user.accessToken}` },
  });
  assert.equal(call.status, 200);
  assert.equal(((await call.json()) as { email: string }).email, user.email);
});

test("the docs page shows Gilla's name and version, not the stock branding", async () => {
  const page = await app.inject({ url: '/api/docs/' });
  const version = (await app.inject({ url: '/health' })).json<{ version: string }>().version;
  assert.match(page.body, new RegExp(`<title>Gilla ${version.replace(/\./g, '\\.')}: API</title>`));
  const init = await app.inject({ url: '/api/docs/static/swagger-initializer.js' });
  assert.equal(init.statusCode, 200);
  const logo = /data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/.exec(init.body);
  assert.ok(logo, 'the logo is replaced');
  assert.match(Buffer.from(logo[1]!, 'base64').toString(), new RegExp(`Gilla ${version}`));
});
