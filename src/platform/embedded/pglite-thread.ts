import { Worker } from 'node:worker_threads';

/** Where the embedded database's files come from: a folder (null: memory), or a dump of one. */
export type PgliteSource = { dataDir: string | null } | { dump: ArrayBuffer };
type ThreadRequest =
  { op: 'query'; sql: string; params: unknown[] } | { op: 'dump' } | { op: 'close' };
export type PgliteRequest = ThreadRequest & { id: number };
export type PgliteReply =
  | { id: number; rows: unknown[]; affectedRows: number; dump?: ArrayBuffer }
  | { id: number; error: { message: string; fields: Record<string, string | number> } };
type QueryReply = { rows: unknown[]; affectedRows: number; dump?: ArrayBuffer };

interface Pending {
  resolve: (reply: QueryReply) => void;
  reject: (err: Error) => void;
}

/** An error PostgreSQL raised in the embedded database, with its fields (code, detail…). */
export class EmbeddedDatabaseError extends Error {
  [field: string]: unknown;

  constructor(message: string, fields: Record<string, string | number>) {
    super(message);
    for (const [key, value] of Object.entries(fields)) {
      if (key !== 'message' && key !== 'stack' && key !== 'name') this[key] = value;
    }
    this.name = 'EmbeddedDatabaseError';
  }
}

/** Queries after the thread ended; PostgreSQL's admin_shutdown code, so requests answer 503. */
function stoppedError(why: string): EmbeddedDatabaseError {
  return new EmbeddedDatabaseError(`the embedded database ${why}`, { code: '57P01' });
}

/**
 * The embedded PostgreSQL (PGlite) on a thread of its own. PGlite runs the whole engine on the
 * thread that calls it, so in-process every query's planning, execution and file writes held
 * up every request; on its own thread, the service's work and the database's run side by side,
 * as they do with a PostgreSQL server. Queries run one at a time in the order they are sent.
 * The thread keeps the process alive only while queries are pending. If it dies, pending and
 * later queries fail, and `lost` resolves.
 */
export class PgliteThread {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private stopped: Error | null = null;
  private closing = false;
  private markLost: (err: Error) => void = () => undefined;
  /** Resolves, with the reason, when the thread stops without close() having been called. */
  readonly lost = new Promise<Error>((resolve) => (this.markLost = resolve));

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: PgliteReply) => this.settle(reply));
    worker.on('error', (err) => this.stop(stoppedError(`failed: ${err.message}`)));
    worker.on('exit', (code) => this.stop(stoppedError(`stopped (exit code ${code})`)));
    worker.unref();
  }

  /** Starts the thread and opens the database; rejects if it cannot be opened. */
  static async open(source: PgliteSource): Promise<PgliteThread> {
    const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), {
      workerData: source,
      // Not the service's own flags (--input-type, --eval…), which a worker cannot take.
      execArgv: [],
    });
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        worker.off('message', onMessage).off('error', done).off('exit', onExit);
        if (err) reject(err);
        else resolve();
      };
      const onMessage = (message: unknown) =>
        done(message === 'ready' ? undefined : new Error('unexpected message from the database'));
      const onExit = (code: number) => done(stoppedError(`stopped (exit code ${code})`));
      worker.on('message', onMessage).on('error', done).on('exit', onExit);
    });
    return new PgliteThread(worker);
  }

  query(sql: string, params: readonly unknown[]): Promise<QueryReply> {
    return this.send({ op: 'query', sql, params: [...params] });
  }

  /** A gzipped tar of the database's folder, once the queries sent before have run. */
  async dump(): Promise<Buffer> {
    const { dump } = await this.send({ op: 'dump' });
    if (!dump) throw new Error('the embedded database sent no dump');
    return Buffer.from(dump);
  }

  /** Closes the database (waiting for queries sent before) and ends the thread. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.stopped) return;
    try {
      await this.send({ op: 'close' });
    } finally {
      await this.worker.terminate(); // ended either way, even if PGlite's close failed
    }
  }

  private send(request: ThreadRequest): Promise<QueryReply> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<QueryReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      try {
        this.worker.postMessage({ ...request, id } satisfies PgliteRequest);
      } catch (err) {
        this.take(id)?.reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  private take(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    return pending;
  }

  private settle(reply: PgliteReply): void {
    const pending = this.take(reply.id);
    if ('error' in reply)
      pending?.reject(new EmbeddedDatabaseError(reply.error.message, reply.error.fields));
    else pending?.resolve(reply);
  }

  private stop(err: Error): void {
    if (!this.stopped && !this.closing) this.markLost(err);
    this.stopped ??= err;
    for (const id of [...this.pending.keys()]) this.take(id)?.reject(this.stopped);
  }
}
