/**
 * What a failed database call means for the request, from PostgreSQL's SQLSTATE (its class, the
 * first two characters) or, for the driver's own failures, the error's kind; never its message.
 */
export type DatabaseFailure = 'unavailable' | 'conflict_retry' | 'bad_data';

/**
 * Thrown by the PostgreSQL pool when no connection could be had (refused, timed out, a database
 * that refuses connections) or one was lost mid-query.
 */
export class DatabaseUnreachableError extends Error {
  constructor(cause: unknown) {
    super('The database could not be reached', { cause });
    this.name = 'DatabaseUnreachableError';
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

// Node's own network failures, found on `code` (the driver passes them through).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** The SQLSTATE of a server error (both engines put it on `code`), or null. */
export function sqlStateOf(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SQLSTATE.test(code) ? code : null;
}

/** PostgreSQL's unique_violation (23505), on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  return sqlStateOf(err) === '23505';
}

/** PostgreSQL's foreign_key_violation (23503), on either engine. */
export function isForeignKeyViolation(err: unknown): boolean {
  return sqlStateOf(err) === '23503';
}

/** Classifies an error from the database layer; null when it is none of these (a bug: 500). */
export function classifyDatabaseError(err: unknown): DatabaseFailure | null {
  if (err instanceof DatabaseUnreachableError) return 'unavailable';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'unavailable';
  const state = sqlStateOf(err);
  if (state === null) return null;
  const cls = state.slice(0, 2);
  // 08 connection exception; 53 insufficient resources (disk, memory, too many connections);
  // 57P01-03 shutdown, crash, cannot connect now; 57014 statement timeout. (What refuses a new
  // connection, 55000 or 53300 among them, is DatabaseUnreachableError already.)
  if (cls === '08' || cls === '53' || state.startsWith('57P') || state === '57014') {
    return 'unavailable';
  }
  // 40001 serialization failure, 40P01 deadlock detected: nothing was applied; try again.
  if (state === '40001' || state === '40P01') return 'conflict_retry';
  // 22 data exception: input the schemas let through but PostgreSQL refuses.
  if (cls === '22') return 'bad_data';
  return null;
}
