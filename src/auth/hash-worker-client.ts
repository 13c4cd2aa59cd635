import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, getPriority, setPriority } from 'node:os';
import type { HashOptions } from 'argon2';

type HashRequest =
  | { op: 'hash'; password: string; options: Argon2Options }
  | { op: 'verify'; password: string; hash: string };
export type HashJob = HashRequest & { id: number };
export type HashReply = { id: number; value: string | boolean } | { id: number; error: string };
type Argon2Options = HashOptions & { raw?: false };

interface Pending {
  resolve: (value: string | boolean) => void;
  reject: (err: Error) => void;
}

/**
 * argon2 in a helper process at a lower CPU priority. Hashing is the one CPU-heavy thing the
 * service does; in its own process at `nice` it uses every core that is otherwise idle, but any
 * request, database or cache work that wants a core gets it first. In-process, a login burst
 * took the cores from everything else: /health p99 went from 2 to 10–24 ms, /users/me p99 to
 * 20–30 ms. It runs as many hashes at once as there are cores (its libuv pool size); more wait.
 * Forked on first use; a helper that dies fails its pending jobs and is forked again on the next.
 */
export class HashWorker {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    private readonly options: { nice: number; threads: number } = {
      nice: 10,
      threads: availableParallelism(),
    },
  ) {}

  /** An argon2 hash of the password (its PHC string). */
  async hash(password: string, options: Argon2Options): Promise<string> {
    return String(await this.run({ op: 'hash', password, options }));
  }

  /** Whether the password matches the hash; false for a hash argon2 cannot read. */
  async verify(hash: string, password: string): Promise<boolean> {
    return (await this.run({ op: 'verify', password, hash })) === true;
  }

  private run(job: HashRequest): Promise<string | boolean> {
    const child = this.child ?? this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.hold(child, true);
      child.send({ ...job, id } satisfies HashJob, (err) => {
        if (err) this.settle(id, (p) => p.reject(err));
      });
    });
  }

  /** Ends the helper; pending jobs fail. */
  close(): void {
    this.child?.kill();
  }

  /** The helper's process id, once it runs (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): ChildProcess {
    const child = fork(new URL('./hash-worker.js', import.meta.url), [], {
      // Only what it needs: no secrets, no inspector port of ours.
      env: { UV_THREADPOOL_SIZE: String(this.options.threads) },
      execArgv: [],
      serialization: 'json',
    });
    this.child = child;
    try {
      // Never above the service's own priority (as root, setPriority could also raise it).
      const nice = Math.max(this.options.nice, getPriority());
      if (child.pid !== undefined) setPriority(child.pid, nice);
    } catch {
      // Not allowed here (some sandboxes): it hashes at normal priority.
    }
    child.on('message', (reply: HashReply) => {
      this.settle(reply.id, (p) =>
        'error' in reply ? p.reject(new Error(reply.error)) : p.resolve(reply.value),
      );
    });
    const gone = (err?: Error) => {
      if (this.child !== child) return;
      this.child = null;
      const failure =
        err ?? new Error(`password hashing process exited (${child.exitCode ?? child.signalCode})`);
      for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(failure));
    };
    child.on('exit', () => gone());
    child.on('error', gone);
    this.hold(child, false);
    return child;
  }

  private settle(id: number, how: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    how(p);
    if (this.pending.size === 0 && this.child) this.hold(this.child, false);
  }

  /** Keeps this process alive while jobs are pending, and only then. */
  private hold(child: ChildProcess, yes: boolean): void {
    if (yes) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  }
}
