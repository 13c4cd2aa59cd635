import { parseArgs } from 'node:util';
import { pino } from 'pino';
import path from 'node:path';
import type { Config } from './config.js';
import { callService } from './control/control-client.js';
import {
  CONTROL_SOCKET,
  type ControlProgress,
  type ControlRequest,
  type ControlResult,
} from './control/control-protocol.js';
import { runCommand } from './control/commands.js';
import {
  BackupRefusedError,
  BackupToolMissingError,
  pgRestore,
  restoreEmbedded,
} from './platform/backup.js';
import { Encryptor } from './platform/crypto.js';
import { DataDirInUseError, lockDataDir } from './platform/data-dir-lock.js';
import { connectionString, openDatabase } from './platform/database.js';
import { migrateDown, migrateUp } from './platform/migrator.js';
import { configOrExit, serve } from './server.js';

const USAGE = `Usage: gilla <command>

Commands:
  serve                         start the HTTP service
  migrate up|down|status        apply, revert the newest, or list migrations
  check-health [--url URL]      exit 0 when the service answers healthy, 1 otherwise
  user create --email E [--name N] [--admin]
                                create a user; the password is read from standard input
  keys rotate [--batch-size N]  re-encrypt stored content under ENCRYPTION_KEY (resumable;
                                set ENCRYPTION_KEY_PREVIOUS to the key being replaced)
  backup [--out FILE]           write a consistent backup (embedded: DATA_DIR/backups/…tar.gz;
                                PostgreSQL: pg_dump custom format)
  restore FILE                  put a backup back (the service must be stopped)

user create, migrate status, keys rotate and backup work while the service runs: they ask it
through its control socket in DATA_DIR, and open the data themselves only when no service does.
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function migrate(action: string | undefined): Promise<void> {
  if (action !== 'up' && action !== 'down' && action !== 'status') fail(USAGE);
  const config = configOrExit();
  if (action === 'status')
    return exitWith(await dataCommand(config, { command: 'migrate-status' }));
  const handle = await openData(config);
  try {
    const names = action === 'up' ? await migrateUp(handle.db) : await migrateDown(handle.db);
    const verb = action === 'up' ? 'applied' : 'reverted';
    process.stdout.write(
      names.length === 0 ? `nothing to do\n` : names.map((n) => `${verb} ${n}\n`).join(''),
    );
  } finally {
    await handle.close();
  }
}

/** Opens the configured database; a data folder another live process owns is refused. */
async function openData(config: Config) {
  try {
    return await openDatabase(config.database, pino({ level: 'warn' }));
  } catch (err) {
    if (err instanceof DataDirInUseError) fail(`gilla: ${err.message}`, 1);
    throw err;
  }
}

/**
 * Runs a data command: through the running service's control socket when one serves this data
 * folder, else on the database opened here (which then belongs to this process while it runs).
 */
async function dataCommand(config: Config, request: ControlRequest): Promise<ControlResult> {
  const tty = process.stderr.isTTY;
  const onProgress = (p: ControlProgress) => {
    // On a terminal the bar redraws in place; in a log, one line per table and at the end.
    if (tty) process.stderr.write(`\r${progressLine(p)}${p.done === p.total ? '\n' : ''}`);
    else if (p.done === 0 || p.done === p.total) process.stderr.write(`${progressLine(p)}\n`);
  };
  const { url, dataDir } = config.database;
  if (url === null && dataDir !== null) {
    const answered = await callService(path.join(dataDir, CONTROL_SOCKET), request, onProgress);
    if (answered) return answered;
  }
  const handle = await openData(config);
  try {
    // A new user needs the tables; a backup must be of the database as it is.
    if (config.database.migrateOnStart && request.command === 'user-create') {
      await migrateUp(handle.db);
    }
    const enc = new Encryptor(config.secrets.encryption, config.secrets.encryptionPrevious);
    return await runCommand({ config, database: handle, enc }, request, onProgress);
  } finally {
    await handle.close();
  }
}

function exitWith(result: ControlResult): never {
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exit(result.exitCode);
}

async function checkHealth(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' } } });
  const url = values.url ?? `http://127.0.0.1:${configOrExit().http.port}/health`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    const body = (await response.json()) as { status?: string };
    const healthy = response.ok && (body.status === 'ok' || body.status === 'degraded');
    process.stdout.write(
      `${healthy ? 'healthy' : 'unhealthy'}: ${response.status} ${body.status ?? ''}\n`,
    );
    process.exit(healthy ? 0 : 1);
  } catch (err) {
    process.stdout.write(`unhealthy: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function user(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'create') fail(USAGE);
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      admin: { type: 'boolean', default: false },
    },
  });
  if (!values.email) fail('gilla user create: --email is required');
  const password = await readStdin();
  const config = configOrExit();
  exitWith(
    await dataCommand(config, {
      command: 'user-create',
      email: values.email,
      password,
      name: values.name ?? null,
      admin: values.admin ?? false,
    }),
  );
}

function progressLine(progress: ControlProgress): string {
  const width = 30;
  const share = progress.total === 0 ? 1 : progress.done / progress.total;
  const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '-');
  const table = progress.table.padEnd(15);
  return `${table} [${bar}] ${progress.done}/${progress.total} ${Math.floor(share * 100)}%`;
}

async function keys(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'rotate') fail(USAGE);
  const { values } = parseArgs({
    args: rest,
    options: { 'batch-size': { type: 'string', default: '500' } },
  });
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    fail('gilla keys rotate: --batch-size must be 1–10000');
  }
  const config = configOrExit();
  const { keyId } = new Encryptor(config.secrets.encryption, config.secrets.encryptionPrevious);
  exitWith(await dataCommand(config, { command: 'keys-rotate', batchSize, keyId }));
}

async function backup(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } } });
  const out = values.out === undefined ? null : path.resolve(values.out);
  const config = configOrExit();
  try {
    exitWith(await dataCommand(config, { command: 'backup', out }));
  } catch (err) {
    if (err instanceof BackupToolMissingError || err instanceof BackupRefusedError) {
      fail(`gilla backup: ${err.message}`, 1);
    }
    throw err;
  }
}

async function restore(args: string[]): Promise<void> {
  const [file] = args;
  if (file === undefined) fail('gilla restore: name the backup file');
  const config = configOrExit();
  const { url, dataDir } = config.database;
  try {
    if (url !== null) {
      await pgRestore(connectionString(url, config.database.caFile), path.resolve(file));
      process.stdout.write(`restored ${file}\n`);
      return;
    }
    if (dataDir === null) fail('gilla restore: there is no data folder to restore into');
    // Refused with data_dir_in_use while a service (or another command) owns the folder.
    const lock = lockDataDir(dataDir, pino({ level: 'warn' }));
    try {
      const kept = await restoreEmbedded(path.resolve(file), dataDir);
      process.stdout.write(
        `restored ${file}${kept ? `; the database it replaced is kept in ${kept}` : ''}\n`,
      );
    } finally {
      lock.release();
    }
  } catch (err) {
    if (err instanceof BackupRefusedError || err instanceof DataDirInUseError) {
      fail(`gilla restore: ${err.message}; nothing was changed`, 1);
    }
    if (err instanceof BackupToolMissingError) fail(`gilla restore: ${err.message}`, 1);
    throw err;
  }
}

/** Runs one `gilla` command. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(configOrExit());
    case 'migrate':
      return migrate(rest[0]);
    case 'check-health':
      return checkHealth(rest);
    case 'user':
      return user(rest);
    case 'keys':
      return keys(rest);
    case 'backup':
      return backup(rest);
    case 'restore':
      return restore(rest);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return;
    default:
      fail(`gilla: unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`gilla: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
