/*
 * The embedded database's driver: PGlite (PostgreSQL compiled to WebAssembly) on a worker thread
 * of its own, so that its queries never hold up the event loop, and a Kysely dialect that sends
 * them there. Its contract (errors keep their SQLSTATE, queries run in order, a transaction
 * sees no outside query, a stopped thread fails with 57P01) is tested against both drivers in
 * test/platform/database-driver.test.ts.
 */
export { PgliteThreadDialect } from './pglite-dialect.js';
export { KEPT_ARRAY_TYPES, trimResultParsers } from './pglite-parsers.js';
export { PgliteThread, type PgliteSource } from './pglite-thread.js';
