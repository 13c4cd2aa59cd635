import { PGlite } from '@electric-sql/pglite';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import {
  openDatabase,
  openPgliteThread,
  wrapPglite,
  type DatabaseHandle,
} from '../../src/platform/database.js';
import { migrations } from '../../src/platform/migrations/index.js';
import { migrateUp } from '../../src/platform/migrator.js';

const silent = { warn: () => undefined };
const CACHE_DIR = path.resolve('node_modules/.cache/gilla-test');

/** The real PostgreSQL the suite runs against, when TEST_DATABASE_URL is set. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? null;

/** A database of its own for one test file: migrated, dropped afterwards. */
export interface TestDatabase {
  handle: DatabaseHandle;
  /** A connection string for this database (PostgreSQL only), for child processes. */
  url: string | null;
  close(): Promise<void>;
}

/** A dump of an embedded database with every migration applied. */
export async function pgliteTemplate(): Promise<ArrayBuffer> {
  // One migrated template per set of migrations (names and code, so an edited migration is not
  // served stale); each file loads it (~1 s) instead of initdb (~6 s).
  const key = createHash('sha256')
    .update(
      Object.entries(migrations)
        .map(([name, m]) => `${name}\n${m.up.toString()}`)
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 12);
  const file = path.join(CACHE_DIR, `pglite-${key}.tar`);
  try {
    const dump = await readFile(file);
    return dump.buffer.slice(dump.byteOffset, dump.byteOffset + dump.byteLength);
  } catch {
    const fresh = await PGlite.create();
    await migrateUp(wrapPglite(fresh, false).db);
    const dump = await (await fresh.dumpDataDir('none')).arrayBuffer();
    await fresh.close();
    await mkdir(CACHE_DIR, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, Buffer.from(dump));
    await rename(temp, file);
    return dump;
  }
}

async function createPostgresDatabase(adminUrl: string): Promise<string> {
  const name = `gilla_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropPostgresDatabase(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

/** Opens this file's database: a fresh PostgreSQL database, or an in-memory PGlite. */
export async function openTestDatabase(): Promise<TestDatabase> {
  if (TEST_DATABASE_URL !== null) {
    const url = await createPostgresDatabase(TEST_DATABASE_URL);
    const handle = await openDatabase(
      { url, dataDir: null, migrateOnStart: false, poolMax: 10, timeoutMs: 5000, caFile: null },
      silent,
    );
    await migrateUp(handle.db);
    return {
      handle,
      url,
      close: async () => {
        await handle.close();
        await dropPostgresDatabase(TEST_DATABASE_URL, url);
      },
    };
  }
  // The embedded database as the service runs it: on its own thread.
  const handle = await openPgliteThread({ dump: await pgliteTemplate() });
  await migrateUp(handle.db);
  return { handle, url: null, close: () => handle.close() };
}
