import { PGlite } from '@electric-sql/pglite';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
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

/** Writes a backup file (owner-only), whole or not at all: to a temporary name, then renamed. */
export function writeBackupFile(out: string, data: Buffer): void {
  mkdirSync(path.dirname(out), { recursive: true, mode: 0o700 });
  const temp = `${out}.${process.pid}.partial`;
  writeFileSync(temp, data, { mode: 0o600 });
  renameSync(temp, out);
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
  const kept =
    existsSync(target) && readdirSync(target).length > 0
      ? `${target}.before-restore-${backupFileName('embedded').slice(6, -7)}`
      : null;
  if (kept) renameSync(target, kept);
  else rmSync(target, { recursive: true, force: true });
  try {
    const db = await PGlite.create(target, { loadDataDir: new Blob([data]) });
    await db.close();
  } catch (err) {
    rmSync(target, { recursive: true, force: true });
    if (kept) renameSync(kept, target);
    throw err;
  }
  return kept;
}

async function tool(name: 'pg_dump' | 'pg_restore', args: string[]): Promise<string> {
  try {
    const { stdout } = await run(name, args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupToolMissingError(name);
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new BackupRefusedError(`${name} failed: ${stderr || String(err)}`);
  }
}

/** `pg_dump -Fc` of the database at `url` into `out` (a consistent snapshot by itself). */
export async function pgDump(url: string, out: string): Promise<void> {
  mkdirSync(path.dirname(out), { recursive: true, mode: 0o700 });
  const temp = `${out}.${process.pid}.partial`;
  await tool('pg_dump', ['--format=custom', '--no-owner', `--file=${temp}`, `--dbname=${url}`]);
  renameSync(temp, out);
}

/**
 * Restores a `pg_dump -Fc` file into the database at `url`, after checking it: it reads to the
 * end (a truncated file is refused) and knows no migration newer than this Gilla.
 */
export async function pgRestore(url: string, file: string): Promise<void> {
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
  await tool('pg_restore', [
    '--clean',
    '--if-exists',
    '--no-owner',
    '--single-transaction',
    `--dbname=${url}`,
    file,
  ]);
}
