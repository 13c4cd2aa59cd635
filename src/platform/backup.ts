import { PGlite } from '@electric-sql/pglite';
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { migrations } from './migrations/index.js';

const run = promisify(execFile);

/** A backup that cannot be used: truncated, not a backup, or from a newer Gilla. Nothing changed. */
export class BackupRefusedError extends Error {}

/** A PostgreSQL backup needs the server's client tools, which are not installed. */
export class BackupToolMissingError extends Error {
  constructor(tool: string) {
    super(
      `${tool} is not on the PATH: install PostgreSQL's client tools of the server's major ` +
        'version (Debian and Ubuntu: apt-get install postgresql-client; macOS: brew install libpq)',
    );
  }
}

const EMBEDDED_BACKUP = /^gilla-.*\.tar\.gz$/;

/** `gilla-2026-12-05T03-20-00Z.tar.gz` (or `.dump` for PostgreSQL): sorts by time. */
export function backupFileName(kind: 'embedded' | 'postgres', now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  return `gilla-${stamp}.${kind === 'embedded' ? 'tar.gz' : 'dump'}`;
}

/**
 * Writes a backup file, owner-only from its first byte, whole or not at all: `write` fills a
 * temporary file, which is renamed into place once complete and removed if anything fails.
 */
async function writeWhole(out: string, write: (file: FileHandle) => Promise<void>): Promise<void> {
  mkdirSync(path.dirname(out), { recursive: true, mode: 0o700 });
  const temp = `${out}.${process.pid}.partial`;
  const file = await open(temp, 'wx', 0o600);
  try {
    try {
      await write(file);
    } finally {
      await file.close();
    }
    renameSync(temp, out);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Writes an embedded backup (see writeWhole). */
export function writeBackupFile(out: string, data: Buffer): Promise<void> {
  return writeWhole(out, async (file) => {
    await file.writeFile(data);
  });
}

/** When the newest embedded backup in `dir` was written, or null when there is none. */
export function newestBackupTime(dir: string): number | null {
  if (!existsSync(dir)) return null;
  const times = readdirSync(dir)
    .filter((name) => EMBEDDED_BACKUP.test(name))
    .map((name) => statSync(path.join(dir, name)).mtimeMs);
  return times.length === 0 ? null : Math.max(...times);
}

/** Removes embedded backups in `dir` older than `retentionDays`; returns their names. */
export function pruneBackups(dir: string, retentionDays: number, now = Date.now()): string[] {
  if (!existsSync(dir)) return [];
  const cutoff = now - retentionDays * 86_400_000;
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (EMBEDDED_BACKUP.test(name) && statSync(file).mtimeMs < cutoff) {
      unlinkSync(file);
      removed.push(name);
    }
  }
  return removed;
}

/** Migrations a backup has that this Gilla does not know: it comes from a newer version. */
function unknownMigrations(applied: string[]): string[] {
  return applied.filter((name) => !(name in migrations));
}

/**
 * Checks an embedded backup before anything is touched: a whole gzip stream (a truncated copy is
 * refused), a database that opens, and no migration newer than this Gilla knows.
 */
export async function checkEmbeddedBackup(data: Buffer): Promise<void> {
  try {
    gunzipSync(data);
  } catch {
    throw new BackupRefusedError(
      'the backup is truncated or not a Gilla backup (gzip check failed)',
    );
  }
  let db: PGlite;
  try {
    db = await PGlite.create({ loadDataDir: new Blob([data]) });
  } catch (err) {
    throw new BackupRefusedError(`the backup does not open as a database: ${String(err)}`);
  }
  try {
    const { rows } = await db
      .query<{ name: string }>('select name from kysely_migration order by name')
      .catch(() => ({ rows: null }));
    if (rows === null) throw new BackupRefusedError('the backup holds no Gilla database');
    const newer = unknownMigrations(rows.map((r) => r.name));
    if (newer.length > 0) {
      throw new BackupRefusedError(
        `the backup comes from a newer Gilla (it has migration ${newer.join(', ')}); ` +
          'restore it with that version or a later one',
      );
    }
  } finally {
    await db.close();
  }
}

/**
 * Puts an embedded backup in place of the database in `dataDir` (whose owner the caller is):
 * checked first; the current database, if any, is kept beside it as `pgdata.before-restore-…`.
 */
export async function restoreEmbedded(file: string, dataDir: string): Promise<string | null> {
  const data = readFileSync(file);
  await checkEmbeddedBackup(data);
  const target = path.join(dataDir, 'pgdata');
  // Unpacked beside the database first, and only then swapped in: an interruption leaves either
  // the old database or the restored one in place, never half of one.
  const restoring = `${target}.restoring`;
  rmSync(restoring, { recursive: true, force: true });
  try {
    const db = await PGlite.create(restoring, { loadDataDir: new Blob([data]) });
    await db.close();
  } catch (err) {
    rmSync(restoring, { recursive: true, force: true });
    throw err;
  }
  const kept =
    existsSync(target) && readdirSync(target).length > 0
      ? `${target}.before-restore-${backupFileName('embedded').slice(6, -7)}`
      : null;
  if (kept) renameSync(target, kept);
  else rmSync(target, { recursive: true, force: true });
  renameSync(restoring, target);
  return kept;
}

/**
 * libpq's environment for a connection string: the password never on a command line (where
 * `ps` shows it to every user), and TLS as node-postgres would use it (sslmode, sslrootcert).
 */
function libpqEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  const param = (name: string) => u.searchParams.get(name) ?? undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGHOST: decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')) || undefined,
    PGPORT: u.port || undefined,
    PGUSER: decodeURIComponent(u.username) || undefined,
    PGPASSWORD: decodeURIComponent(u.password) || undefined,
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)) || undefined,
    PGSSLMODE: param('sslmode'),
    PGSSLROOTCERT: param('sslrootcert'),
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

async function tool(name: 'pg_dump' | 'pg_restore', args: string[], url?: string): Promise<string> {
  try {
    const { stdout } = await run(name, args, {
      maxBuffer: 64 * 1024 * 1024,
      ...(url ? { env: libpqEnv(url) } : {}),
    });
    return stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupToolMissingError(name);
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new BackupRefusedError(`${name} failed: ${stderr || String(err)}`);
  }
}

/** How many tables the database at `url` has in its schema. */
async function tablesIn(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      'select count(*)::int as n from information_schema.tables where table_schema = current_schema()',
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

/**
 * `pg_dump -Fc` of the database at `url` (the connection string node-postgres uses) into `out`,
 * owner-only (it holds password hashes); a consistent snapshot by itself.
 */
export async function pgDump(url: string, out: string): Promise<void> {
  await writeWhole(out, async (file) => {
    const child = spawn('pg_dump', ['--format=custom', '--no-owner'], {
      env: libpqEnv(url),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const written = (async () => {
      for await (const chunk of child.stdout) await file.write(chunk as Buffer);
    })();
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new BackupToolMissingError('pg_dump');
      throw err;
    });
    await written;
    if (code !== 0) throw new BackupRefusedError(`pg_dump failed: ${stderr.trim()}`);
  });
}

/**
 * Restores a `pg_dump -Fc` file into the empty database at `url`, after checking it: it reads to the end (a truncated file is refused) and knows no migration
 * newer than this Gilla. A database that has tables is refused: what the backup does not have
 * would stay behind.
 */
export async function pgRestore(url: string, file: string): Promise<void> {
  const tables = await tablesIn(url);
  if (tables > 0) {
    throw new BackupRefusedError(
      `the database already has ${tables} tables: restore into an empty one (createdb …) and ` +
        'point DATABASE_URL at it',
    );
  }
  await tool('pg_restore', ['--file=/dev/null', file]);
  const data = await tool('pg_restore', [
    '--data-only',
    '--table=kysely_migration',
    '--file=-',
    file,
  ]);
  const copy = /^COPY [^\n]*kysely_migration[^\n]* FROM stdin;\n([\s\S]*?)^\\\.$/m.exec(data);
  if (!copy) throw new BackupRefusedError('the backup holds no Gilla database');
  const applied = (copy[1] ?? '')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t')[0] ?? '');
  const newer = unknownMigrations(applied);
  if (newer.length > 0) {
    throw new BackupRefusedError(
      `the backup comes from a newer Gilla (it has migration ${newer.join(', ')})`,
    );
  }
  // The database by name; where it is and the password come from libpq's environment.
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  await tool(
    'pg_restore',
    ['--no-owner', '--single-transaction', '--exit-on-error', `--dbname=${database}`, file],
    url,
  );
}
