import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openCache, type Cache } from '../../src/platform/cache.js';
import { openTestDatabase, type TestDatabase } from './database.js';

/** The real Redis the suite runs against, when TEST_REDIS_URL is set. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? null;

export const TEST_SECRETS = {
  JWT_SECRET_KEY: 'test-jwt-secret-key-0123456789abcdef-0123456789',
  ENCRYPTION_KEY: 'test-encryption-key-0123456789abcdef-012345678',
};

/** A test configuration: in-memory by default, real Redis when TEST_REDIS_URL is set. */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'memory://',
    MIGRATE_ON_START: 'false',
    PUBLIC_URL: 'http://gilla.test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_HOUR: '100000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    ...(TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}),
    REDIS_KEY_PREFIX: `gilla-test:${randomBytes(6).toString('hex')}:`,
    ...TEST_SECRETS,
    ...overrides,
  });
}

export interface TestAppOptions extends BuildOptions {
  /** Extra routes a test needs (registered before the app is ready). */
  routes?: (app: FastifyInstance) => void;
}

/** What a test file shares: one database (and one Redis key space) for all its tests. */
export interface TestEnv {
  database: TestDatabase;
  /** Builds a started app on this file's database; closed when the file ends. */
  app(
    overrides?: Record<string, string | undefined>,
    options?: TestAppOptions,
  ): Promise<FastifyInstance>;
}

/** Opens the file's database; call once at the top of a test file. */
export async function setupTestEnv(): Promise<TestEnv> {
  const database = await openTestDatabase();
  const apps: FastifyInstance[] = [];
  const caches: Cache[] = [];
  after(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await Promise.all(caches.map((c) => c.close()));
    await database.close();
  });
  return {
    database,
    async app(overrides = {}, options = {}) {
      const config = testConfig(overrides);
      const app = await buildApp(config, { database: database.handle, ...options });
      apps.push(app);
      options.routes?.(app);
      await app.ready();
      return app;
    },
  };
}

/** A cache for a test that needs one of its own (e.g. two apps sharing Redis). */
export async function openTestCache(config: Config): Promise<Cache> {
  return openCache({ ...config.redis, workers: 1 }, { warn: () => undefined });
}

/**
 * Two instances sharing the database and, when TEST_REDIS_URL is set, Redis; otherwise the same
 * instance twice (its in-process cache). Either way a write through `one` must be seen on the
 * very next read through `two`.
 */
export async function sharingInstances(
  env: TestEnv,
  t: { after(fn: () => Promise<void>): void },
): Promise<{ one: FastifyInstance; two: FastifyInstance; shared: string }> {
  if (!TEST_REDIS_URL) {
    const app = await env.app();
    return { one: app, two: app, shared: 'one instance, in-process cache' };
  }
  const config = testConfig();
  const cache = await openTestCache(config);
  const one = await buildApp(config, { database: env.database.handle, cache });
  const two = await buildApp(testConfig({ REDIS_KEY_PREFIX: config.redis.keyPrefix }), {
    database: env.database.handle,
  });
  await Promise.all([one.ready(), two.ready()]);
  t.after(async () => {
    await one.close();
    await two.close();
    await cache.close();
  });
  return { one, two, shared: 'two instances, one Redis' };
}
