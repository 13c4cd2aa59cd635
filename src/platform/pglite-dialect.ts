import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
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
 * waits for the next one); a transaction has the session to itself from begin to its end, and
 * queries and transactions that come meanwhile wait their turn, in order.
 */
class Session {
  private inTransaction = false;
  private readonly waiting: { transaction: boolean; go: () => void }[] = [];

  /** Resolves when a query outside a transaction may be sent. */
  async query(): Promise<void> {
    if (this.inTransaction || this.waiting.length > 0) await this.wait(false);
  }

  /** Resolves when a transaction may begin; the session is then its own until end(). */
  async begin(): Promise<void> {
    if (this.inTransaction || this.waiting.length > 0) await this.wait(true);
    else this.inTransaction = true;
  }

  end(): void {
    this.inTransaction = false;
    while (this.waiting.length > 0 && !this.inTransaction) {
      const next = this.waiting.shift();
      if (next?.transaction) this.inTransaction = true;
      next?.go();
    }
  }

  private wait(transaction: boolean): Promise<void> {
    return new Promise((go) => this.waiting.push({ transaction, go }));
  }
}

class ThreadConnection implements DatabaseConnection {
  /** Whether this connection holds the session for a transaction. */
  inTransaction = false;

  constructor(
    private readonly thread: PgliteThread,
    private readonly session: Session,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.inTransaction) await this.session.query();
    const { rows, affectedRows } = await this.thread.query(query.sql, query.parameters);
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
}

class ThreadDriver implements Driver {
  private readonly session = new Session();

  constructor(private readonly thread: PgliteThread) {}

  async init(): Promise<void> {}

  acquireConnection(): Promise<ThreadConnection> {
    return Promise.resolve(new ThreadConnection(this.thread, this.session));
  }

  async releaseConnection(): Promise<void> {}

  async beginTransaction(conn: ThreadConnection, settings: TransactionSettings): Promise<void> {
    await this.session.begin();
    conn.inTransaction = true;
    const level = settings.isolationLevel;
    try {
      await conn.executeQuery(
        CompiledQuery.raw(level ? `start transaction isolation level ${level}` : 'begin'),
      );
    } catch (err) {
      this.end(conn);
      throw err;
    }
  }

  async commitTransaction(conn: ThreadConnection): Promise<void> {
    try {
      await conn.executeQuery(CompiledQuery.raw('commit'));
    } finally {
      this.end(conn);
    }
  }

  async rollbackTransaction(conn: ThreadConnection): Promise<void> {
    try {
      await conn.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.end(conn);
    }
  }

  async destroy(): Promise<void> {
    await this.thread.close();
  }

  private end(conn: ThreadConnection): void {
    conn.inTransaction = false;
    this.session.end();
  }
}

/** Kysely over the embedded database's thread, with PostgreSQL's SQL and introspection. */
export class PgliteThreadDialect implements Dialect {
  constructor(private readonly thread: PgliteThread) {}

  createAdapter() {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new ThreadDriver(this.thread);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }

  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}
