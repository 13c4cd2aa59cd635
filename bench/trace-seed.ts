// The trace benchmark's project: 10,000 items in 5 specifications and 20,050 links, written
// straight to the database like the rest of the bench data. Requirements are refined by designs,
// implemented by code, verified by tests and related to notes; one requirement (the hot one) is
// the target of 50 more links, so that editing it marks 50 links suspect.
import { generateNKeysBetween } from 'fractional-indexing';
import type { Kysely } from 'kysely';
import type { Encryptor } from '../src/platform/crypto.js';
import type { Database } from '../src/platform/schema.js';
import { DEFAULT_LINK_TYPES } from '../src/projects/link-types.service.js';
import type { SeedIds } from './seed.js';

export const TRACE_ITEMS_PER_SPEC = 2000;
const SPECS = ['Requirements', 'Design', 'Code', 'Tests', 'Notes'] as const;

/** The id of the n-th item (0-based) of the s-th trace specification. */
export function traceItemId(ids: SeedIds, s: number, n: number): string {
  // Ids made in the same millisecond share their first 24 characters: the numbers differ per
  // specification, and from the other bench items' (1 to 101,000).
  const specId = ids.traceSpecIds[s]!;
  const number = 200_000 + s * TRACE_ITEMS_PER_SPEC + n;
  return `${specId.slice(0, 24)}${number.toString(16).padStart(12, '0')}`;
}

/** The links every bench project's users may make: each bench project gets the defaults. */
export async function seedLinkTypes(db: Kysely<Database>, ids: SeedIds): Promise<void> {
  for (const projectId of ids.projectIds) {
    await db
      .insertInto('link_types')
      .values(DEFAULT_LINK_TYPES.map((t) => ({ ...t, project_id: projectId })))
      .execute();
  }
}

export async function seedTrace(db: Kysely<Database>, enc: Encryptor, ids: SeedIds) {
  const projectId = ids.traceProjectId;
  await db
    .insertInto('projects')
    .values({
      id: projectId,
      key: 'TRC',
      name: 'Trace bench',
      description: null,
      created_by: ids.userId,
      // The numbers the seeded items took: new items continue after them.
      item_counter: SPECS.length * TRACE_ITEMS_PER_SPEC,
    })
    .execute();
  await db
    .insertInto('project_members')
    .values({ project_id: projectId, user_id: ids.userId, role: 'owner' })
    .execute();
  await db
    .insertInto('link_types')
    .values(DEFAULT_LINK_TYPES.map((t) => ({ ...t, project_id: projectId })))
    .execute();
  const body = enc.encrypt('The system shall do what this item says, and be traced to it.');
  for (const [s, title] of SPECS.entries()) {
    await db
      .insertInto('specifications')
      .values({
        id: ids.traceSpecIds[s]!,
        project_id: projectId,
        title,
        description_enc: null,
        status: 'draft',
        created_by: ids.userId,
        updated_by: ids.userId,
      })
      .execute();
    const orderKeys = generateNKeysBetween(null, null, TRACE_ITEMS_PER_SPEC);
    for (let start = 0; start < TRACE_ITEMS_PER_SPEC; start += 1000) {
      await db
        .insertInto('items')
        .values(
          orderKeys.slice(start, start + 1000).map((orderKey, i) => {
            const n = start + i;
            return {
              id: traceItemId(ids, s, n),
              specification_id: ids.traceSpecIds[s]!,
              project_id: projectId,
              key: `TRC-${s * TRACE_ITEMS_PER_SPEC + n + 1}`,
              order_key: orderKey,
              title: `${title} ${n + 1}`,
              body_enc: body,
              status: 'draft' as const,
              created_by: ids.userId,
              updated_by: ids.userId,
            };
          }),
        )
        .execute();
    }
  }
  const [REQ, DESIGN, CODE, TEST, NOTE] = [0, 1, 2, 3, 4];
  const N = TRACE_ITEMS_PER_SPEC;
  // [source spec, target spec, type, target offset]: each makes one link per source item.
  const patterns: [number, number, string, number][] = [
    [DESIGN, REQ, 'refines', 0],
    [DESIGN, REQ, 'refines', 1],
    [CODE, DESIGN, 'implements', 0],
    [CODE, DESIGN, 'implements', 7],
    [TEST, REQ, 'verifies', 0],
    [TEST, CODE, 'verifies', 0],
    [TEST, REQ, 'verifies', 13],
    [NOTE, REQ, 'relates_to', 0],
    [NOTE, TEST, 'relates_to', 0],
    [NOTE, CODE, 'depends_on', 0],
  ];
  let linkNumber = 0;
  const linkId = () => `${projectId.slice(0, 24)}${(++linkNumber).toString(16).padStart(12, '0')}`;
  const rows: {
    id: string;
    project_id: string;
    type: string;
    source_id: string;
    target_id: string;
    created_by: string;
  }[] = [];
  for (const [from, to, type, offset] of patterns) {
    for (let n = 0; n < N; n++) {
      rows.push({
        id: linkId(),
        project_id: projectId,
        type,
        source_id: traceItemId(ids, from, n),
        target_id: traceItemId(ids, to, (n + offset) % N),
        created_by: ids.userId,
      });
    }
  }
  // The hot requirement: 50 notes verify it too.
  for (let n = 0; n < 50; n++) {
    rows.push({
      id: linkId(),
      project_id: projectId,
      type: 'verifies',
      source_id: traceItemId(ids, NOTE, n),
      target_id: hotItemId(ids),
      created_by: ids.userId,
    });
  }
  for (let start = 0; start < rows.length; start += 2000) {
    await db
      .insertInto('item_links')
      .values(rows.slice(start, start + 2000))
      .execute();
  }
}

/** The requirement that 50 notes verify (besides its other links). */
export function hotItemId(ids: SeedIds): string {
  return traceItemId(ids, 0, 1000);
}

/** A note: nothing links to it. */
export function coldItemId(ids: SeedIds): string {
  return traceItemId(ids, 4, 1500);
}
