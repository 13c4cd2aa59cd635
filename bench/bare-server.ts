// The yardstick: a bare node:http server doing the same essential work as Gilla's endpoints,
// with nothing else (no routing framework, validation, hooks, logging or limits).
import { PGlite } from '@electric-sql/pglite';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSecretKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { wrapPglite } from '../src/platform/database.js';
import { migrateUp } from '../src/platform/migrator.js';

type Query = (text: string, params: unknown[]) => Promise<unknown[]>;

async function openQuery(): Promise<Query> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    return async (text, params) => (await pool.query(text, params)).rows as unknown[];
  }
  // Embedded: a PGlite of its own (one process per data folder) with the same schema and user.
  const db = await PGlite.create(mkdtempSync(path.join(tmpdir(), 'gilla-bare-')));
  await migrateUp(wrapPglite(db, false).db);
  await db.query('insert into users (id, email, password_hash) values ($1, $2, null)', [
    process.env.BENCH_USER_ID,
    'bench@example.com',
  ]);
  return async (text, params) => (await db.query(text, params)).rows;
}

const query = await openQuery();
const key = createSecretKey(Buffer.from(process.env.JWT_SECRET_KEY ?? ''));

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
        await query('select 1', []);
        return send(200, { status: 'ok', checks: { database: 'ok', cache: 'ok' } });
      }
      if (req.url === '/api/v1/users/me') {
        const token = (req.headers.authorization ?? '').slice(7);
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        const rows = await query('select * from users where id = $1', [payload.sub]);
        return send(200, rows[0]);
      }
      send(404, {});
    } catch {
      send(401, {});
    }
  })();
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
