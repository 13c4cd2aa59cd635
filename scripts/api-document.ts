// The API document as the service serves it at /api/openapi.json, made without a database kept
// open (an in-memory one, with throw-away secrets). `openapi.ts` writes it for Redocly's lint;
// `generate-client.ts` turns it into @gilla/client's types.
import { randomBytes } from 'node:crypto';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export async function apiDocument(): Promise<Record<string, unknown>> {
  const app = await buildApp(
    loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: 'memory://',
      LOG_LEVEL: 'silent',
      JWT_SECRET_KEY: randomBytes(32).toString('base64'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    }),
  );
  await app.ready();
  const res = await app.inject({ url: '/api/openapi.json' });
  await app.close();
  if (res.statusCode !== 200) throw new Error(`/api/openapi.json answered ${res.statusCode}`);
  return JSON.parse(res.body) as Record<string, unknown>;
}
