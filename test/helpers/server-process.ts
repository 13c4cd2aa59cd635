import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_SECRETS } from './app.js';

/** `gilla serve` (dist/src/server.js) as a process of its own, on a random port. */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
  base: string;
  /** Everything it printed so far. */
  output(): string;
  /** Its exit code, once it has exited. */
  exited: Promise<number | null>;
}

/** Starts the server and waits until `listeners` processes say they listen (one per worker). */
export async function startServerProcess(
  env: Record<string, string>,
  listeners = 1,
): Promise<ServerProcess> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['dist/src/server.js'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(port),
      HOST: '127.0.0.1',
      MIGRATE_ON_START: 'true',
      ...TEST_SECRETS,
      ...env,
    },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const listening = () => out.split('Server listening').length - 1;
  for (let i = 0; i < 300 && listening() < listeners && child.exitCode === null; i++) {
    await sleep(100);
  }
  if (listening() < listeners) {
    child.kill('SIGKILL');
    throw new Error(`the server did not start ${listeners} listener(s):\n${out}`);
  }
  return { child, port, base: `http://127.0.0.1:${port}`, output: () => out, exited };
}
