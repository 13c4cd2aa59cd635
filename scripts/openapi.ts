// Writes the API document as the service serves it at /api/openapi.json to the file named
// (`npm run lint:api` lints it with Redocly's recommended rules). No database is opened for
// long: an in-memory one, with throw-away secrets.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node dist/scripts/openapi.js FILE\n');
  process.exit(2);
}
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
writeFileSync(out, `${JSON.stringify(JSON.parse(res.body), null, 2)}\n`);
