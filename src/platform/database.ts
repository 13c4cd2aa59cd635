import type { PGlite } from '@electric-sql/pglite';
import fp from 'fastify-plugin';
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import type { Config } from '../config.js';
import { migrateUp } from './migrator.js';
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

/** An error from the driver: the server's answer (with its SQLSTATE) as it is, anything else unreachable. */
function classified(err: unknown): Error {
  return err instanceof Error && sqlStateOf(err) !== null ? err : new DatabaseUnreachableError(err);
}

/**
 * The pool as Kysely's dialect uses it (its public `PostgresPool` shape), with every failure that
 * did not come from the server (a refused or timed-out connection, one lost mid-query) marked
 * DatabaseUnreachableError, so that the edge answers 503 by kind, not by message text.
 */
function classifyingPool(pool: pg.Pool): PostgresPool {
  return {
    connect: async () => {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw classified(err);
      }
      return {
        query: ((...args: Parameters<pg.PoolClient['query']>) => {
          const result: unknown = client.query(...args);
          return result instanceof Promise
            ? result.catch((err: unknown) => Promise.reject(classified(err)))
            : result;
        }) as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
    },
    end: () => pool.end(),
  };
}

function openPostgres(url: string, options: Config['database'], log: Logger): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
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
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ err }, 'database connection lost during a query'));
  });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: classifyingPool(pool) }),
  });
  return handleOf(
    db,
    () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    () => db.destroy(),
  );
}

async function openPglite(dataDir: string | null): Promise<DatabaseHandle> {
  if (dataDir !== null) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return openPgliteThread({ dataDir: dataDir === null ? null : `${dataDir}/pgdata` });
}

/** The embedded database on its own thread (what the service runs); close() ends the thread. */
export async function openPgliteThread(source: PgliteSource): Promise<DatabaseHandle> {
  const thread = await PgliteThread.open(source);
  const dialect = new PgliteThreadDialect(thread);
  const db = new Kysely<Database>({ dialect });
  return handleOf(
    db,
    () => dialect.poolStats(),
    () => db.destroy(),
    thread.lost,
  );
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
    ? openPglite(options.dataDir)
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
