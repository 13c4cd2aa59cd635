// The baselines benchmark's specification: 10,000 items in project 0, each but the first
// depending on the one before it (9,999 links), written straight to the database.
import { generateNKeysBetween } from 'fractional-indexing';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Encryptor } from '../src/platform/crypto.js';
import type { Database } from '../src/platform/schema.js';
import type { SeedIds } from './seed.js';

export const BASELINE_ITEMS = 10_000;

/** The id of the n-th item (0-based) of the baseline specification. */
export function baselineItemId(ids: SeedIds, n: number): string {
  // Numbers apart from the other bench items' (1 to 101,000; trace items from 200,000).
  const number = 300_000 + n;
  return `${ids.baselineSpecId.slice(0, 24)}${number.toString(16).padStart(12, '0')}`;
}

export async function seedBaselineSpec(db: Kysely<Database>, enc: Encryptor, ids: SeedIds) {
  const projectId = ids.projectIds[0]!;
  await db
    .insertInto('specifications')
    .values({
      id: ids.baselineSpecId,
      project_id: projectId,
      title: 'Baseline bench',
      description_enc: null,
      status: 'draft',
      created_by: ids.userId,
      updated_by: ids.userId,
    })
    .execute();
  const orderKeys = generateNKeysBetween(null, null, BASELINE_ITEMS);
  for (let start = 0; start < BASELINE_ITEMS; start += 1000) {
    const n = (i: number) => start + i;
    const chunk = orderKeys.slice(start, start + 1000);
    await db
      .insertInto('items')
      .values(
        chunk.map((orderKey, i) => ({
          id: baselineItemId(ids, n(i)),
          specification_id: ids.baselineSpecId,
          project_id: projectId,
          key: `BASE-${n(i) + 1}`,
          order_key: orderKey,
          title: `Requirement ${n(i) + 1}`,
          body_enc: enc.encrypt(
            `The system shall meet requirement ${n(i) + 1}, measured as the bench says. `.repeat(4),
          ),
          status: 'draft' as const,
          created_by: ids.userId,
          updated_by: ids.userId,
        })),
      )
      .execute();
    const linked = chunk.map((_, i) => n(i)).filter((k) => k > 0);
    await db
      .insertInto('item_links')
      .values(
        linked.map((k) => ({
          id: uuidv7(),
          project_id: projectId,
          type: 'depends_on',
          source_id: baselineItemId(ids, k),
          target_id: baselineItemId(ids, k - 1),
          created_by: ids.userId,
        })),
      )
      .execute();
  }
}
