import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Actor, ClientInfo } from '../domain/actor.js';
import { runUnitOfWork, type Context, type WorkDeps } from '../domain/unit-of-work.js';
import { classifyDatabaseError } from '../platform/database-errors.js';
import type { Database } from '../platform/schema.js';
import { actorOf } from './actor.js';

type Work<A extends Actor | null, T> = (tx: Kysely<Database>, ctx: Context<A>) => Promise<T>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The handles every unit of work is built from (the CLI builds its own). */
    workDeps: WorkDeps;
  }
}

/** Where the request comes from, as sessions record it. */
export function clientOf(request: FastifyRequest): ClientInfo {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent : null };
}

function deps(request: FastifyRequest): WorkDeps {
  return request.server.workDeps;
}

/**
 * A signed-in caller's write: one transaction, committed before the effects it recorded run.
 * `handler: (request) => work(request, (tx, ctx) => createItem(tx, ctx, …))`.
 */
export function work<T>(request: FastifyRequest, fn: Work<Actor, T>): Promise<T> {
  return runUnitOfWork(deps(request), { actor: actorOf(request), client: clientOf(request) }, fn);
}

/** A signed-in caller's read (or a write of one statement): no transaction. */
export function read<T>(request: FastifyRequest, fn: Work<Actor, T>): Promise<T> {
  return runUnitOfWork(deps(request), { actor: actorOf(request), client: clientOf(request) }, fn, {
    transaction: false,
  });
}

/**
 * A signed-in caller's read that must see one state of the database across many queries: a
 * read-only, repeatable-read transaction.
 */
export function snapshotRead<T>(request: FastifyRequest, fn: Work<Actor, T>): Promise<T> {
  return runUnitOfWork(deps(request), { actor: actorOf(request), client: clientOf(request) }, fn, {
    transaction: true,
    snapshot: true,
  });
}

/** An anonymous flow's write (registration, login, mailed links): one transaction. */
export function anonymousWork<T>(request: FastifyRequest, fn: Work<null, T>): Promise<T> {
  return runUnitOfWork(deps(request), { actor: null, client: clientOf(request) }, fn);
}

/** An anonymous flow's read (or a write of one statement): no transaction. */
export function anonymousRead<T>(request: FastifyRequest, fn: Work<null, T>): Promise<T> {
  return runUnitOfWork(deps(request), { actor: null, client: clientOf(request) }, fn, {
    transaction: false,
  });
}

/** Decorates `app.workDeps`: effects that fail are logged and counted, never a 5xx. */
export const unitOfWorkPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorate('workDeps', {
      db: app.db,
      enc: app.encryptor,
      cache: app.cache,
      onEffectFailure: (effect: string, err: unknown) => {
        app.metrics.effectFailures.inc({ effect });
        app.log.warn({ err, effect }, 'after-commit effect failed');
      },
      isRetryable: (err: unknown) => {
        const retry = classifyDatabaseError(err) === 'conflict_retry';
        if (retry) app.metrics.transactionRetries.inc();
        return retry;
      },
    });
    await Promise.resolve();
  },
  { name: 'unit-of-work', dependencies: ['database', 'cache', 'encryption', 'metrics'] },
);
