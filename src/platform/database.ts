import type { PGlite } from '@electric-sql/pglite';
import fp from 'fastify-plugin';
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.js';
import { migrateUp } from './migrator.js';
import { lockDataDir } from './data-dir-lock.js';
import { DatabaseUnreachableError, sqlStateOf } from './database-errors.js';
import {
  PgliteThread,
  PgliteThreadDialect,
  trimResultParsers,
  type PgliteSource,
} from './embedded/index.js';
import type { Database } from './schema.js';

export { isUniqueViolation } from './database-errors.js';

/** An open database, whichever engine is behind it. */
export interface DatabaseHandle {
  db: Kysely<Database>;
  /** Resolves when the database answers a trivial query within the timeout. */
  ping(): Promise<void>;
  /** Connections in use and total, for metrics. */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
  /** A consistent copy of the embedded database (gzipped tar); absent for PostgreSQL. */
  dump?: () => Promise<Buffer>;
  /**
   * Resolves when the database is gone for good: the embedded database's thread stopped without
   * being closed. Absent for PostgreSQL, whose pool reconnects by itself.
   */
  lost?: Promise<Error>;
}

interface Logger {
  warn(obj: object, msg: string): void;
}

// int8 (count(*), sums) as a JS number on both engines; bounded counts only.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

/** A handle over a Kysely instance: its ping is a trivial query on either engine. */
function handleOf(
  db: Kysely<Database>,
  poolStats: DatabaseHandle['poolStats'],
  close: () => Promise<void>,
  lost?: Promise<Error>,
): DatabaseHandle {
  return {
    db,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    poolStats,
    close,
    ...(lost ? { lost } : {}),
  };
}

/**
 * A pooled connection whose failed queries are classified: no SQLSTATE means not the server's
 * answer. On a lost connection, or as the driver's own plain Error (a query read timeout, a
 * connection ended), the database is out of reach; a TypeError or RangeError is a bug of ours
 * and stays one.
 */
function classifyingClient(
  client: pg.PoolClient,
  lost: WeakSet<pg.ClientBase>,
): PostgresPoolClient {
  const failed = (err: unknown): never => {
    const plain = err instanceof Error && err.constructor === Error;
    if (sqlStateOf(err) === null && (lost.has(client) || plain)) {
      throw new DatabaseUnreachableError(err);
    }
    throw err;
  };
  return {
    query: ((text: unknown, values?: unknown) => {
      const result: unknown = (client.query as (t: unknown, v?: unknown) => unknown)(text, values);
      return result instanceof Promise ? result.catch(failed) : result;
    }) as PostgresPoolClient['query'],
    release: (destroy?: boolean) => client.release(destroy),
  };
}

/**
 * The pool as Kysely's dialect uses it (its public `PostgresPool` shape), marking the failures
 * that mean "the database cannot be reached" as DatabaseUnreachableError, so that the edge answers
 * 503 by kind, never by message text: any failure to get a connection (refused, timed out, a
 * database that refuses connections, too many of them), and the queries classifyingClient says
 * could not reach it.
 */
function classifyingPool(pool: pg.Pool, lost: WeakSet<pg.ClientBase>): PostgresPool {
  // One wrapper per pooled connection, made once: Kysely takes a connection for every query.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    connect: async () => {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw new DatabaseUnreachableError(err);
      }
      let wrapped = wrappers.get(client);
      if (!wrapped) {
        wrapped = classifyingClient(client, lost);
        wrappers.set(client, wrapped);
      }
      return wrapped;
    },
    end: () => pool.end(),
  };
}

/**
 * The connection string as node-postgres reads it: with DATABASE_CA_FILE, the server is verified
 * against that CA (`sslrootcert`), under `sslmode=verify-full` unless the URL names a mode.
 */
export function connectionString(url: string, caFile: string | null): string {
  if (caFile === null) return url;
  const parsed = new URL(url);
  parsed.searchParams.set('sslrootcert', caFile);
  if (!parsed.searchParams.has('sslmode')) parsed.searchParams.set('sslmode', 'verify-full');
  return parsed.toString();
}

function openPostgres(url: string, options: Config['database'], log: Logger): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: connectionString(url, options.caFile ?? null),
    max: options.poolMax,
    connectionTimeoutMillis: options.timeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.timeoutMs,
    query_timeout: options.timeoutMs + 1000,
    idle_in_transaction_session_timeout: options.timeoutMs * 2,
    application_name: 'gilla',
  });
  // An idle client losing its server must not crash the process; the pool replaces it.
  pool.on('error', (err) => log.warn({ err }, 'database connection lost'));
  // Nor may a checked-out one: pg emits 'error' on it (no listener: an uncaught exception that
  // ends the process) besides failing its query, which answers 503. The pool drops it on release.
  const lost = new WeakSet<pg.ClientBase>();
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      lost.add(client);
      log.warn({ err }, 'database connection lost during a query');
    });
    client.on('end', () => lost.add(client));
  });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: classifyingPool(pool, lost) }),
  });
  return handleOf(
    db,
    () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    () => db.destroy(),
  );
}

/**
 * The embedded database in `dataDir` (in memory when null). This process becomes the folder's
 * one owner first (DataDirInUseError when a live process is), and lets it go when closed.
 */
async function openPglite(dataDir: string | null, log: Logger): Promise<DatabaseHandle> {
  if (dataDir === null) return openPgliteThread({ dataDir: null });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = lockDataDir(dataDir, log);
  let handle: DatabaseHandle;
  try {
    handle = await openPgliteThread({ dataDir: path.join(dataDir, 'pgdata') });
  } catch (err) {
    lock.release();
    throw err;
  }
  return {
    ...handle,
    close: async () => {
      try {
        await handle.close();
      } finally {
        lock.release();
      }
    },
  };
}

/** The embedded database on its own thread (what the service runs); close() ends the thread. */
export async function openPgliteThread(source: PgliteSource): Promise<DatabaseHandle> {
  const thread = await PgliteThread.open(source);
  const dialect = new PgliteThreadDialect(thread);
  const db = new Kysely<Database>({ dialect });
  return {
    ...handleOf(
      db,
      () => dialect.poolStats(),
      () => db.destroy(),
      thread.lost,
    ),
    dump: () => dialect.dump(),
  };
}

/**
 * Wraps an already open PGlite on this thread, for the bench and the tests to seed and migrate
 * a database before the service opens it (the service itself uses openPgliteThread); `owned`
 * decides whether close() closes it.
 */
export function wrapPglite(client: PGlite, owned: boolean): DatabaseHandle {
  trimResultParsers(client);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  return handleOf(
    db,
    () => ({ total: 1, idle: 1, waiting: 0 }),
    async () => {
      if (owned) await db.destroy();
    },
  );
}

/** Opens PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise. */
export async function openDatabase(
  options: Config['database'],
  log: Logger,
): Promise<DatabaseHandle> {
  return options.url === null
    ? openPglite(options.dataDir, log)
    : openPostgres(options.url, options, log);
}

declare module 'fastify' {
  interface FastifyInstance {
    database: DatabaseHandle;
    db: Kysely<Database>;
  }
}

/**
 * Decorates `app.db`. Opens the configured database unless one is given (tests, several
 * apps on one database); closes only what it opened. Migrates first when configured.
 */
export const databasePlugin = fp<{ config: Config; database?: DatabaseHandle }>(
  async (app, { config, database }) => {
    const handle = database ?? (await openDatabase(config.database, app.log));
    if (!database) app.addHook('onClose', () => handle.close());
    if (config.database.migrateOnStart) {
      const applied = await migrateUp(handle.db);
      if (applied.length > 0) app.log.info({ applied }, 'migrations applied');
    }
    app.decorate('database', handle);
    app.decorate('db', handle.db);
  },
  { name: 'database' },
);
