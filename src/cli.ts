import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { assertEmail, createUserWithPassword } from './accounts/accounts.service.js';
import { acceptableHash } from './auth/passwords.js';
import { DomainError } from './domain/errors.js';
import { Encryptor } from './platform/crypto.js';
import { openDatabase } from './platform/database.js';
import { rotateKeys, type RotationProgress } from './platform/key-rotation.js';
import { migrateDown, migrateUp, migrationStatus } from './platform/migrator.js';
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
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function migrate(action: string | undefined): Promise<void> {
  if (action !== 'up' && action !== 'down' && action !== 'status') fail(USAGE);
  const config = configOrExit();
  const handle = await openDatabase(config.database, pino({ level: 'warn' }));
  try {
    if (action === 'status') {
      for (const m of await migrationStatus(handle.db)) {
        process.stdout.write(
          `${m.executedAt ? 'applied' : 'pending'}  ${m.name}${m.executedAt ? `  ${m.executedAt.toISOString()}` : ''}\n`,
        );
      }
    } else {
      const names = action === 'up' ? await migrateUp(handle.db) : await migrateDown(handle.db);
      const verb = action === 'up' ? 'applied' : 'reverted';
      process.stdout.write(
        names.length === 0 ? `nothing to do\n` : names.map((n) => `${verb} ${n}\n`).join(''),
      );
    }
  } finally {
    await handle.close();
  }
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
  const email = values.email;
  const password = await readStdin();
  const config = configOrExit();
  let passwordHash: string;
  try {
    assertEmail(email);
    passwordHash = await acceptableHash(password);
  } catch (err) {
    if (err instanceof DomainError) fail(`gilla user create: ${err.message}`, 1);
    throw err;
  }
  const handle = await openDatabase(config.database, pino({ level: 'warn' }));
  try {
    if (config.database.migrateOnStart) await migrateUp(handle.db);
    // One statement: no transaction needed.
    const created = await createUserWithPassword(handle.db, {
      email,
      passwordHash,
      name: values.name ?? null,
      role: values.admin ? 'admin' : 'user',
    });
    process.stdout.write(`created ${created.role} ${created.email} (${created.id})\n`);
  } catch (err) {
    if (err instanceof DomainError) fail(`gilla user create: ${err.message}`, 1);
    throw err;
  } finally {
    await handle.close();
  }
}

function progressLine(progress: RotationProgress): string {
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
  const handle = await openDatabase(config.database, pino({ level: 'warn' }));
  const enc = new Encryptor(config.secrets.encryption, config.secrets.encryptionPrevious);
  const tty = process.stderr.isTTY;
  try {
    const { rotated } = await rotateKeys(handle.db, enc, {
      batchSize,
      onProgress: (p) => {
        // On a terminal the bar redraws in place; in a log, one line per table and at the end.
        if (tty) process.stderr.write(`\r${progressLine(p)}${p.done === p.total ? '\n' : ''}`);
        else if (p.done === 0 || p.done === p.total) process.stderr.write(`${progressLine(p)}\n`);
      },
    });
    process.stdout.write(`re-encrypted ${rotated} values under key ${enc.keyId}\n`);
  } finally {
    await handle.close();
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
