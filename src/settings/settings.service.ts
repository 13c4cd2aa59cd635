import { sql, type Kysely } from 'kysely';
import type { Context } from '../domain/unit-of-work.js';
import { cachedValue, type Cache, type CachedValue } from '../platform/cache.js';
import type { Database } from '../platform/schema.js';

/** Settings that live in the database, changed by admins at run time. */
export interface AppSettings {
  registrationOpen: boolean;
}

const DEFAULTS: AppSettings = { registrationOpen: true };
const CACHE_KEY = 'settings:all';
const CACHE_TTL_SECONDS = 30;

/** The settings as stored, defaults for what is not. */
async function storedSettings(db: Kysely<Database>): Promise<AppSettings> {
  const rows = await db.selectFrom('app_settings').select(['key', 'value']).execute();
  const stored = Object.fromEntries(rows.map((r) => [r.key, r.value]));
  return {
    registrationOpen:
      typeof stored.registrationOpen === 'boolean'
        ? stored.registrationOpen
        : DEFAULTS.registrationOpen,
  };
}

/** The settings, read through the cache (shared across instances with Redis). */
function cachedSettings(db: Kysely<Database>, cache: Cache): CachedValue<AppSettings> {
  return cachedValue(cache, CACHE_KEY, CACHE_TTL_SECONDS, () => storedSettings(db));
}

/** The current settings. */
export function readSettings(db: Kysely<Database>, cache: Cache): Promise<AppSettings> {
  return cachedSettings(db, cache).read();
}

/** Applies the given settings and returns them all; once committed, every instance reads them. */
export async function updateSettings(
  tx: Kysely<Database>,
  { actor, effects }: Context,
  changes: Partial<AppSettings>,
): Promise<AppSettings> {
  for (const [key, value] of Object.entries(changes)) {
    await tx
      .insertInto('app_settings')
      .values({ key, value: JSON.stringify(value), updated_by: actor.userId })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          value: JSON.stringify(value),
          updated_by: actor.userId,
          updated_at: sql`now()`,
        }),
      )
      .execute();
  }
  effects.afterCommit('settings-version', ({ db, cache }) =>
    cachedSettings(db, cache).invalidate(),
  );
  return storedSettings(tx);
}
