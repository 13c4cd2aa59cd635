// The yardstick: a bare node:http server doing the same essential work as Gilla's endpoints,
// with nothing else (no routing framework, validation, hooks, logging or limits).
import { Kysely } from 'kysely';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import { jwtVerify } from 'jose';
import { Redis } from 'ioredis';
import pg from 'pg';
import { PgliteThread, PgliteThreadDialect } from '../src/platform/embedded/index.js';
import type { Database } from '../src/platform/schema.js';
import { migrateUp } from '../src/platform/migrator.js';
import { seed, type SeedIds } from './seed.js';

type Query = (text: string, params: unknown[]) => Promise<unknown[]>;

const ids = JSON.parse(process.env.BENCH_SEED ?? '{}') as SeedIds;

// The same statements Gilla runs for these pages: membership folded into one indexed query.
const PROJECTS_PAGE = `select p.*, m.role from project_members m join projects p on p.id = m.project_id
  where m.user_id = $1 order by m.project_id limit 21`;
const ITEMS_PAGE = `select i.* from items i where i.specification_id = $1 and exists
  (select 1 from project_members m where m.project_id = i.project_id and m.user_id = $2)
  order by i.order_key limit 21`;

async function openQuery(): Promise<Query> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    return async (text, params) => (await pool.query(text, params)).rows as unknown[];
  }
  // Embedded: a PGlite of its own (one process per data folder) with the same schema and rows,
  // on its own thread as Gilla runs it.
  const thread = await PgliteThread.open({
    dataDir: mkdtempSync(path.join(tmpdir(), 'gilla-bare-')),
  });
  const kysely = new Kysely<Database>({ dialect: new PgliteThreadDialect(thread) });
  await migrateUp(kysely);
  await seed(kysely, process.env.ENCRYPTION_KEY ?? '', ids);
  return async (text, params) => (await thread.query(text, params)).rows;
}

const query = await openQuery();
// Gilla's /health checks the cache too: with Redis configured, so does the yardstick.
const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL) : null;
// Imported once, as Gilla does (jose would import a KeyObject's bytes again on every verify).
const key = await webcrypto.subtle.importKey(
  'raw',
  Buffer.from(process.env.JWT_SECRET_KEY ?? ''),
  { name: 'HMAC', hash: 'SHA-256' },
  false,
  ['verify'],
);

const server = createServer((req, res) => {
  const send = (status: number, body: unknown) => {
    const json = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
    });
    res.end(json);
  };
  void (async () => {
    try {
      if (req.url === '/health') {
        await Promise.all([query('select 1', []), redis?.ping()]);
        return send(200, { status: 'ok', checks: { database: 'ok', cache: 'ok' } });
      }
      const token = (req.headers.authorization ?? '').slice(7);
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
      if (req.url === '/api/v1/users/me') {
        const rows = await query('select * from users where id = $1', [payload.sub]);
        return send(200, rows[0]);
      }
      if (req.url === '/api/v1/projects') {
        return send(200, { data: await query(PROJECTS_PAGE, [payload.sub]) });
      }
      const items = /^\/api\/v1\/specifications\/([0-9a-f-]{36})\/items$/.exec(req.url ?? '');
      if (items) return send(200, { data: await query(ITEMS_PAGE, [items[1], payload.sub]) });
      send(404, {});
    } catch {
      send(401, {});
    }
  })();
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
