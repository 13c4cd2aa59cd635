import { sql, type Kysely } from 'kysely';
import { NotFoundError } from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import { itemOrder, itemSnapshotsById, type ItemRef } from '../items/items.service.js';
import { specificationFor } from '../specifications/specifications.service.js';
import { baselineItemOrder, baselineItemsById, isBaselineOf } from './baselines.repository.js';
import type { BaselineItemRow, SnapshotLink } from './baselines.table.js';
import { toBaselineItem, type BaselineItem } from './baselines.service.js';
import { movedIndexes } from './moved.js';

/** An item's snapshot columns, from a baseline or from the live items. */
type SnapshotRow = Omit<BaselineItemRow, 'id' | 'baseline_id' | 'position'>;

type Change = { before: unknown; after: unknown };

export interface ChangedItem {
  id: string;
  key: string;
  changes: Partial<Record<'title' | 'body' | 'status' | 'links', Change>>;
}

export interface SpecificationDiff {
  from: string;
  to: string;
  summary: { added: number; removed: number; changed: number; moved: number };
  added: BaselineItem[];
  removed: BaselineItem[];
  changed: ChangedItem[];
  moved: ItemRef[];
}

/** Each side is read this many items at a time. */
const BATCH = 1000;

/** One side of a diff: its items in id order, and their ids in document order. */
interface Side {
  rows: AsyncGenerator<SnapshotRow>;
  order: string[];
}

async function* flat<T>(batches: AsyncGenerator<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

async function* baselineRows(db: Kysely<Database>, baselineId: string) {
  let afterItemId: string | null = null;
  for (;;) {
    const rows = await baselineItemsById(db, baselineId, { afterItemId, limit: BATCH });
    yield* rows;
    const last = rows.at(-1);
    if (rows.length < BATCH || !last) return;
    afterItemId = last.item_id;
  }
}

/** `head` (the live items) or a baseline of this specification (else 404). */
async function sideOf(db: Kysely<Database>, specificationId: string, name: string): Promise<Side> {
  if (name === 'head') {
    return {
      rows: flat(itemSnapshotsById(db, specificationId, BATCH)),
      order: await itemOrder(db, specificationId),
    };
  }
  if (!(await isBaselineOf(db, name, specificationId))) throw new NotFoundError('Baseline');
  return { rows: baselineRows(db, name), order: await baselineItemOrder(db, name) };
}

const linkKeys = (links: readonly SnapshotLink[]) =>
  links.map((l) => `${l.type} ${l.target.id}`).join(',');

/** The fields of an item that differ between two snapshots, each with before and after. */
function changesOf(enc: Encryptor, a: SnapshotRow, b: SnapshotRow): ChangedItem['changes'] {
  const changes: ChangedItem['changes'] = {};
  if (a.title !== b.title) changes.title = { before: a.title, after: b.title };
  // A body copied into a baseline keeps its ciphertext: equal ciphertexts need no decryption.
  if (a.body_enc !== b.body_enc) {
    const before = enc.decrypt(a.body_enc);
    const after = enc.decrypt(b.body_enc);
    if (before !== after) changes.body = { before, after };
  }
  if (a.status !== b.status) changes.status = { before: a.status, after: b.status };
  if (linkKeys(a.links) !== linkKeys(b.links)) changes.links = { before: a.links, after: b.links };
  return changes;
}

const refOf = (row: SnapshotRow): ItemRef => ({
  id: row.item_id,
  key: row.key,
  title: row.title,
  specificationId: row.specification_id,
});

/**
 * What changed in a specification between two baselines, or a baseline and `head`: added and
 * removed items, changed fields (title, body, status, links) and moved items. Runs in one
 * repeatable-read snapshot, so `head` is one consistent state however long the walk; the sides
 * are walked side by side in item id order a batch at a time, so memory holds the two orders and
 * the differences, never both specifications.
 */
export async function diffSpecification(
  trx: Kysely<Database>,
  { actor, enc }: Context,
  specificationId: string,
  query: { from: string; to: string },
): Promise<SpecificationDiff> {
  await sql`set transaction isolation level repeatable read, read only`.execute(trx);
  await specificationFor(trx, actor.userId, specificationId, 'viewer');
  const from = await sideOf(trx, specificationId, query.from);
  const to = await sideOf(trx, specificationId, query.to);
  const fromIndex = new Map(from.order.map((id, i) => [id, i]));
  const toIndex = new Map(to.order.map((id, i) => [id, i]));

  const added: { at: number; item: BaselineItem }[] = [];
  const removed: { at: number; item: BaselineItem }[] = [];
  const changed: { at: number; item: ChangedItem }[] = [];
  // Items on both sides, for the moves: [old position, new position, reference].
  const common: [number, number, ItemRef][] = [];

  let a = await from.rows.next();
  let b = await to.rows.next();
  while (!a.done || !b.done) {
    if (!a.done && (b.done || a.value.item_id < b.value.item_id)) {
      removed.push({ at: fromIndex.get(a.value.item_id) ?? 0, item: toBaselineItem(a.value, enc) });
      a = await from.rows.next();
    } else if (!b.done && (a.done || b.value.item_id < a.value.item_id)) {
      added.push({ at: toIndex.get(b.value.item_id) ?? 0, item: toBaselineItem(b.value, enc) });
      b = await to.rows.next();
    } else if (!a.done && !b.done) {
      const at = toIndex.get(b.value.item_id) ?? 0;
      const changes = changesOf(enc, a.value, b.value);
      if (Object.keys(changes).length > 0) {
        changed.push({ at, item: { id: b.value.item_id, key: b.value.key, changes } });
      }
      common.push([fromIndex.get(a.value.item_id) ?? 0, at, refOf(b.value)]);
      a = await from.rows.next();
      b = await to.rows.next();
    }
  }

  common.sort((x, y) => x[0] - y[0]);
  const moved = movedIndexes(common.map((c) => c[1]))
    .map((i) => common[i] as [number, number, ItemRef])
    .sort((x, y) => x[1] - y[1])
    .map((c) => c[2]);
  const inOrder = <T>(list: { at: number; item: T }[]) =>
    list.sort((x, y) => x.at - y.at).map((e) => e.item);
  return {
    from: query.from,
    to: query.to,
    summary: {
      added: added.length,
      removed: removed.length,
      changed: changed.length,
      moved: moved.length,
    },
    added: inOrder(added),
    removed: inOrder(removed),
    changed: inOrder(changed),
    moved,
  };
}
