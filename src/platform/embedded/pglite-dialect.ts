import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { PgliteThread } from './pglite-thread.js';

/**
 * Who may send queries to the embedded database, which has one session: outside a transaction,
 * any number of queries at once (the thread runs them in the order they were sent, so it never
 * waits for the next one); a transaction has the session to itself from its begin to its end,
 * and queries and transactions that come meanwhile wait their turn, in order. A query is sent
 * in the same step that grants it the session, so nothing can slip in between.
 */
class Session {
  private inTransaction = false;
  private readonly waiting: { transaction: boolean; send: () => void }[] = [];

  /** Sends a query outside any transaction: now, or when the session is free. */
  outside<T>(send: () => Promise<T>): Promise<T> {
    return this.when(false, send);
  }

  /** Sends a transaction's begin: now, or when the session is free; it then holds the session. */
  begin<T>(send: () => Promise<T>): Promise<T> {
    return this.when(true, send);
  }

  /** For the pool metrics: whether a transaction holds the session, and how many wait for it. */
  stats(): { idle: number; waiting: number } {
    return { idle: this.inTransaction ? 0 : 1, waiting: this.waiting.length };
  }

  /** The transaction holding the session has ended (committed, rolled back or failed). */
  end(): void {
    this.inTransaction = false;
    while (!this.inTransaction) {
      const next = this.waiting.shift();
      if (!next) return;
      this.inTransaction = next.transaction;
      next.send();
    }
  }

  private when<T>(transaction: boolean, send: () => Promise<T>): Promise<T> {
    if (!this.inTransaction && this.waiting.length === 0) {
      this.inTransaction = transaction;
      return send();
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ transaction, send: () => void send().then(resolve, reject) });
    });
  }
}

class ThreadConnection implements DatabaseConnection {
  /** Whether this connection's transaction holds the session. */
  inTransaction = false;

  constructor(
    private readonly thread: PgliteThread,
    private readonly session: Session,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const send = () => this.thread.query(query.sql, query.parameters);
    const { rows, affectedRows } = await (this.inTransaction ? send() : this.session.outside(send));
    // Rows are what PostgreSQL returned for this query; their shape is the query's to declare.
    const typed = rows as R[];
    return affectedRows > 0
      ? { rows: typed, numAffectedRows: BigInt(affectedRows) }
      : { rows: typed };
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize = 100,
  ): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(query);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }

  /** Begins a transaction once the session is free. */
  async begin(statement: string): Promise<void> {
    try {
      await this.session.begin(() => this.thread.query(statement, []));
      this.inTransaction = true;
    } catch (err) {
      this.session.end(); // it had the session; the transaction never began
      throw err;
    }
  }

  /** Ends the transaction with COMMIT or ROLLBACK; PostgreSQL ends it even when that fails. */
  async end(statement: 'commit' | 'rollback'): Promise<void> {
    // Kysely rolls back after a failed commit: that transaction has ended, and the session
    // may already be another's.
    if (!this.inTransaction) return;
    try {
      await this.thread.query(statement, []);
    } finally {
      this.inTransaction = false;
      this.session.end();
    }
  }
}

class ThreadDriver implements Driver {
  constructor(
    private readonly thread: PgliteThread,
    private readonly session: Session,
  ) {}

  async init(): Promise<void> {}

  acquireConnection(): Promise<ThreadConnection> {
    return Promise.resolve(new ThreadConnection(this.thread, this.session));
  }

  async releaseConnection(): Promise<void> {}

  async beginTransaction(conn: ThreadConnection, settings: TransactionSettings): Promise<void> {
    // As Kysely's PostgresDriver words it; both settings are closed sets of keywords.
    const { isolationLevel, accessMode } = settings;
    const statement =
      isolationLevel || accessMode
        ? `start transaction${isolationLevel ? ` isolation level ${isolationLevel}` : ''}${accessMode ? ` ${accessMode}` : ''}`
        : 'begin';
    await conn.begin(statement);
  }

  async commitTransaction(conn: ThreadConnection): Promise<void> {
    await conn.end('commit');
  }

  async rollbackTransaction(conn: ThreadConnection): Promise<void> {
    await conn.end('rollback');
  }

  async destroy(): Promise<void> {
    await this.thread.close();
  }
}

/** Kysely over the embedded database's thread, with PostgreSQL's SQL and introspection. */
export class PgliteThreadDialect implements Dialect {
  private readonly session = new Session();

  constructor(private readonly thread: PgliteThread) {}

  /**
   * A consistent copy of the whole database (a gzipped tar of its folder), taken while it has the
   * session to itself, as a transaction would: no transaction is half-way through it.
   */
  async dump(): Promise<Buffer> {
    try {
      return await this.session.begin(() => this.thread.dump());
    } finally {
      this.session.end();
    }
  }

  /** The one session as a pool of one: in use by a transaction or not, and who waits for it. */
  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: 1, ...this.session.stats() };
  }

  createAdapter() {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new ThreadDriver(this.thread, this.session);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }

  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}
