// Seeds the rows the specification benchmarks read: a user in 30 projects, one specification of
// 1,000 items and one of 100,000, written straight to the database (through the API it would
// take an hour). Item bodies are encrypted with the bench key, as the service writes them.
import argon2 from 'argon2';
import { generateNKeysBetween } from 'fractional-indexing';
import { sql, type Kysely } from 'kysely';
import { ARGON2_OPTIONS } from '../src/auth/passwords.js';
import { Encryptor } from '../src/platform/crypto.js';
import type { Database } from '../src/platform/schema.js';
import { seedBaselineSpec } from './baseline-seed.js';
import { seedLinkTypes, seedTrace } from './trace-seed.js';

export interface SeedIds {
  userId: string;
  email: string;
  password: string;
  projectIds: string[];
  smallSpecId: string;
  largeSpecId: string;
  traceProjectId: string;
  traceSpecIds: string[];
  baselineSpecId: string;
}

const BODY =
  'The service shall lock an account for 15 minutes after 10 failed sign-ins in a row, ' +
  'and tell the user how long is left. Administrators can lift the lock early.';

async function insertItems(
  db: Kysely<Database>,
  enc: Encryptor,
  ids: SeedIds,
  specId: string,
  count: number,
  firstNumber: number,
): Promise<void> {
  const orderKeys = generateNKeysBetween(null, null, count);
  for (let start = 0; start < count; start += 1000) {
    const rows = orderKeys.slice(start, start + 1000).map((orderKey, i) => {
      const n = firstNumber + start + i;
      return {
        id: `${specId.slice(0, 24)}${n.toString(16).padStart(12, '0')}`,
        specification_id: specId,
        project_id: ids.projectIds[0]!,
        key: `BENCH-${n}`,
        order_key: orderKey,
        title: `Requirement ${n}`,
        body_enc: enc.encrypt(BODY),
        status: 'draft' as const,
        created_by: ids.userId,
        updated_by: ids.userId,
      };
    });
    await db.insertInto('items').values(rows).execute();
  }
}

/** Writes the bench rows (same ids every time, so two databases can hold the same data). */
export async function seed(db: Kysely<Database>, encryptionKey: string, ids: SeedIds) {
  const enc = new Encryptor(encryptionKey);
  await db
    .insertInto('users')
    .values({
      id: ids.userId,
      email: ids.email,
      email_verified_at: new Date(),
      password_hash: await argon2.hash(ids.password, ARGON2_OPTIONS),
    })
    .execute();
  for (const [i, projectId] of ids.projectIds.entries()) {
    await db
      .insertInto('projects')
      .values({
        id: projectId,
        key: 'BENCH',
        name: `Bench project ${i}`,
        description: null,
        created_by: ids.userId,
      })
      .execute();
    await db
      .insertInto('project_members')
      .values({ project_id: projectId, user_id: ids.userId, role: 'owner' })
      .execute();
  }
  for (const specId of [ids.smallSpecId, ids.largeSpecId]) {
    await db
      .insertInto('specifications')
      .values({
        id: specId,
        project_id: ids.projectIds[0]!,
        title: 'Bench',
        description_enc: null,
        status: 'draft',
        created_by: ids.userId,
        updated_by: ids.userId,
      })
      .execute();
  }
  await insertItems(db, enc, ids, ids.smallSpecId, 1000, 1);
  await insertItems(db, enc, ids, ids.largeSpecId, 100_000, 1001);
  await seedLinkTypes(db, ids);
  await seedTrace(db, enc, ids);
  await seedBaselineSpec(db, enc, ids);
  // Vacuumed and checkpointed too: otherwise autovacuum and the checkpointer get to the fresh rows
  // during a measured run.
  await sql`vacuum analyze`.execute(db);
  await sql`checkpoint`.execute(db);
}

/** The ids a bench run uses, passed to the bare server in BENCH_SEED. */
export function seedIds(newId: () => string): SeedIds {
  return {
    userId: newId(),
    email: `bench-${Date.now()}@example.com`,
    password: 'bench passphrase that is long',
    projectIds: Array.from({ length: 30 }, () => newId()),
    smallSpecId: newId(),
    largeSpecId: newId(),
    traceProjectId: newId(),
    traceSpecIds: Array.from({ length: 5 }, () => newId()),
    baselineSpecId: newId(),
  };
}
