import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function onPath(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (existsSync(path.join(dir, binary))) return path.join(dir, binary);
  }
  return null;
}

/** A Redis server of our own (not the shared one): paused, stopped and started by a test. */
export interface OwnRedis {
  url: string;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Why own servers cannot run here, or null when they can. */
export function ownRedisUnavailable(): string | null {
  return onPath('redis-server') ? null : 'redis-server is not installed';
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'ignore' });
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error('redis-server did not start');
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    stop: async () => {
      const c = child;
      if (!c || c.exitCode !== null) return;
      c.kill('SIGCONT');
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    },
    start,
  };
}

/** A PostgreSQL cluster of our own in a temporary directory (initdb), stopped and started by a test. */
export interface OwnPostgres {
  url: string;
  stop(): void;
  start(): void;
  destroy(): void;
}

function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const version = readdirSync(root).sort().pop();
  const bin = version ? path.join(root, version, 'bin') : null;
  return bin && existsSync(path.join(bin, 'initdb')) ? bin : null;
}

export function ownPostgresUnavailable(): string | null {
  if (postgresBin() === null) return 'PostgreSQL server binaries (initdb) are not installed';
  if (process.getuid?.() === 0 && !onPath('runuser')) return 'running as root without runuser';
  return null;
}

/**
 * A PostgreSQL server of the test's own. With `tls`, it also speaks TLS with that certificate
 * and key (copied into its folder for the server's user).
 */
export async function startOwnPostgres(
  tls: { cert: string; key: string } | null = null,
): Promise<OwnPostgres> {
  const bin = postgresBin() ?? '';
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'gilla-pg-'));
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  // initdb and the server refuse to run as root; run them as the postgres user then.
  const run = (args: string[]) => {
    const [command, ...rest] = args;
    if (process.getuid?.() === 0) {
      execFileSync('runuser', ['-u', 'postgres', '--', command ?? '', ...rest], {
        stdio: 'ignore',
      });
    } else {
      execFileSync(command ?? '', rest, { stdio: 'ignore' });
    }
  };
  run([path.join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  let sslOptions = '';
  if (tls) {
    const cert = path.join(data, 'server.crt');
    const key = path.join(data, 'server.key');
    copyFileSync(tls.cert, cert);
    copyFileSync(tls.key, key);
    chmodSync(key, 0o600);
    const owner = statSync(data);
    chownSync(cert, owner.uid, owner.gid);
    chownSync(key, owner.uid, owner.gid);
    sslOptions = ` -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key}`;
  }
  const ctl = (action: 'start' | 'stop') =>
    run([
      path.join(bin, 'pg_ctl'),
      '-D',
      data,
      '-w',
      '-t',
      '30',
      ...(action === 'start'
        ? [
            '-o',
            `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off${sslOptions}`,
            '-l',
            path.join(dir, 'log'),
            'start',
          ]
        : ['-m', 'immediate', 'stop']),
    ]);
  ctl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => ctl('stop'),
    start: () => ctl('start'),
    destroy: () => {
      try {
        ctl('stop');
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
