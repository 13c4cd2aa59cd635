import type { Cache } from '../platform/cache.js';
import type { DatabaseHandle } from '../platform/database.js';

export type CheckResult = 'ok' | 'down';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  checks: { database: CheckResult; cache: CheckResult };
}

function withTimeout(work: Promise<void>, ms: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve('down'), ms);
  });
  return Promise.race([
    work.then(
      () => 'ok' as const,
      () => 'down' as const,
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
}

/** Checks the database and the cache, each bounded in time. The database decides "down". */
async function checkHealth(
  database: DatabaseHandle,
  cache: Cache,
  timeoutMs = 2000,
): Promise<HealthReport> {
  const [db, cacheResult] = await Promise.all([
    withTimeout(database.ping(), timeoutMs),
    withTimeout(cache.ping(), timeoutMs),
  ]);
  const status = db === 'down' ? 'down' : cacheResult === 'down' ? 'degraded' : 'ok';
  return { status, checks: { database: db, cache: cacheResult } };
}

/**
 * Health checks for probes: the probes that arrive in one event-loop turn share one check, started
 * in the next turn, once all of them have arrived. Every answer still reflects the database and
 * the cache as they were after its request came in, and a burst of probes costs one database and
 * one cache round trip per turn instead of one each.
 */
export function sharedHealthCheck(
  database: DatabaseHandle,
  cache: Cache,
  timeoutMs = 2000,
): () => Promise<HealthReport> {
  let next: Promise<HealthReport> | null = null;
  return () => {
    next ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      next = null;
      return checkHealth(database, cache, timeoutMs);
    });
    return next;
  };
}
