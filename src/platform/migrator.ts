import { Migrator, type Kysely, type MigrationResult } from 'kysely';
import { migrations } from './migrations/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are written against Kysely<any>
function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
}

/** Thrown when a migration step fails; names the migration. */
class MigrationError extends Error {}

function check(results: MigrationResult[] | undefined, error: unknown): MigrationResult[] {
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(
      `migration ${failed} failed: ${error instanceof Error ? error.message : 'unknown error'}`,
      { cause: error },
    );
  }
  return results ?? [];
}

/** Applies every pending migration; returns the names applied. */
export async function migrateUp<T>(db: Kysely<T>): Promise<string[]> {
  const { results, error } = await migrator(db).migrateToLatest();
  return check(results, error).map((r) => r.migrationName);
}

/** Reverts the newest applied migration; returns its name (empty when none was applied). */
export async function migrateDown<T>(db: Kysely<T>): Promise<string[]> {
  const { results, error } = await migrator(db).migrateDown();
  return check(results, error).map((r) => r.migrationName);
}

/** Every known migration and whether it has been applied. */
export async function migrationStatus<T>(
  db: Kysely<T>,
): Promise<{ name: string; executedAt: Date | null }[]> {
  const list = await migrator(db).getMigrations();
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
}
