import type { Kysely } from 'kysely';
import type { Cache } from '../platform/cache.js';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import type { Actor, ClientInfo } from './actor.js';

/** What an after-commit effect may use: the database outside the finished transaction, the cache. */
export interface AfterCommit {
  db: Kysely<Database>;
  cache: Cache;
}

type Effect = (after: AfterCommit) => Promise<void> | void;

/**
 * What must happen only once the transaction has committed (a cache version bump, a session-ended
 * mark, a mail kick). Services record; the edge runs them after the commit, and drops them on a
 * rollback.
 */
export class Effects {
  private readonly pending: { name: string; run: Effect }[] = [];

  /** Whether nothing was recorded (most reads): there is nothing to run. */
  get empty(): boolean {
    return this.pending.length === 0;
  }

  /** Records an effect; `name` labels its failures in the log and the metric. */
  afterCommit(name: string, run: Effect): void {
    this.pending.push({ name, run });
  }

  /**
   * Runs the recorded effects in order. A failing effect is reported and never stops the others
   * or fails the committed change: each one's consequence is bounded on its own (cache entries
   * expire within a minute, the mail worker polls).
   */
  async run(after: AfterCommit, onFailure: (name: string, err: unknown) => void): Promise<void> {
    for (const { name, run } of this.pending.splice(0)) {
      try {
        await run(after);
      } catch (err) {
        onFailure(name, err);
      }
    }
  }
}

/**
 * What every service call gets besides its database handle (a transaction for writes) and its
 * input. `A` is the actor: `Actor` for signed-in calls, `null` for anonymous flows.
 */
export interface Context<A extends Actor | null = Actor> {
  readonly actor: A;
  readonly client: ClientInfo;
  readonly enc: Encryptor;
  readonly cache: Cache;
  readonly effects: Effects;
}

/** A context whatever the caller: for flows that anonymous and signed-in callers share. */
export type AnyContext = Context<Actor | null>;

/** The handles a unit of work is built from. */
export interface WorkDeps {
  db: Kysely<Database>;
  enc: Encryptor;
  cache: Cache;
  onEffectFailure: (name: string, err: unknown) => void;
  /**
   * Whether a failed transaction may simply run again: a deadlock or serialization failure, which
   * PostgreSQL resolves by aborting one side with nothing applied.
   */
  isRetryable?: (err: unknown) => boolean;
}

/** A transaction that lost a deadlock runs again this often in all, then its error stands. */
const MAX_ATTEMPTS = 3;

/** 5–25 ms, then 10–50 ms: the other side gets to finish, and racing retries spread out. */
function backoffMs(attempt: number): number {
  return 5 * attempt * (1 + Math.random() * 4);
}

/**
 * One unit of work: opens the transaction, hands it and a context to `fn`, commits, then runs the
 * effects `fn` recorded. A transaction that loses a deadlock (nothing of it applied) runs again
 * from the start, with fresh effects, a bounded number of times. With `snapshot: true` the
 * transaction is read-only and repeatable-read: every query in it sees one state of the database
 * (a long read that must be consistent, such as a diff). With `transaction: false`
 * (reads, and writes of one statement) `fn` gets the database itself and the effects run once it
 * returns.
 */
export async function runUnitOfWork<A extends Actor | null, T>(
  deps: WorkDeps,
  who: { actor: A; client: ClientInfo },
  fn: (tx: Kysely<Database>, ctx: Context<A>) => Promise<T>,
  options: { transaction: boolean; snapshot?: boolean } = { transaction: true },
): Promise<T> {
  if (!options.transaction) {
    const effects = new Effects();
    const result = await fn(deps.db, contextOf(deps, who, effects));
    if (!effects.empty) await effects.run({ db: deps.db, cache: deps.cache }, deps.onEffectFailure);
    return result;
  }
  for (let attempt = 1; ; attempt++) {
    const effects = new Effects();
    const ctx = contextOf(deps, who, effects);
    let result: T;
    try {
      const begin = options.snapshot
        ? deps.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only')
        : deps.db.transaction();
      result = await begin.execute((tx) => fn(tx, ctx));
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !deps.isRetryable?.(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
      continue;
    }
    if (!effects.empty) await effects.run({ db: deps.db, cache: deps.cache }, deps.onEffectFailure);
    return result;
  }
}

function contextOf<A extends Actor | null>(
  deps: WorkDeps,
  who: { actor: A; client: ClientInfo },
  effects: Effects,
): Context<A> {
  return { actor: who.actor, client: who.client, enc: deps.enc, cache: deps.cache, effects };
}
