import { sql, type Kysely } from 'kysely';
import { cachedValue, type Cache, type CachedValue } from '../platform/cache.js';
import type { Database } from '../platform/schema.js';

/** Settings that live in the database, changed by admins at run time. */
export interface AppSettings {
  registrationOpen: boolean;
}

const DEFAULTS: AppSettings = { registrationOpen: true };
const CACHE_KEY = 'settings:all';
const CACHE_TTL_SECONDS = 30;

/** The settings, through the cache, invalidated on change (across instances with Redis). */
export class SettingsStore {
  private readonly cached: CachedValue<AppSettings>;

  constructor(
    private readonly db: Kysely<Database>,
    cache: Cache,
  ) {
    this.cached = cachedValue(cache, CACHE_KEY, CACHE_TTL_SECONDS, async () => {
      const rows = await db.selectFrom('app_settings').select(['key', 'value']).execute();
      const stored = Object.fromEntries(rows.map((r) => [r.key, r.value]));
      return {
        registrationOpen:
          typeof stored.registrationOpen === 'boolean'
            ? stored.registrationOpen
            : DEFAULTS.registrationOpen,
      };
    });
  }

  get(): Promise<AppSettings> {
    return this.cached.read();
  }

  /** Applies the given settings in one transaction and returns the result. */
  async update(actorId: string, changes: Partial<AppSettings>): Promise<AppSettings> {
    await this.db.transaction().execute(async (trx) => {
      for (const [key, value] of Object.entries(changes)) {
        await trx
          .insertInto('app_settings')
          .values({ key, value: JSON.stringify(value), updated_by: actorId })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet({
              value: JSON.stringify(value),
              updated_by: actorId,
              updated_at: sql`now()`,
            }),
          )
          .execute();
      }
    });
    await this.cached.invalidate();
    return this.get();
  }
}
