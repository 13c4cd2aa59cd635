import type { Kysely } from 'kysely';
import { NotFoundError } from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Encryptor } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import {
  itemOrder,
  itemSnapshotsInOrder,
  itemSnapshotsOf,
  type ItemRef,
} from '../items/items.service.js';
import { specificationFor } from '../specifications/specifications.service.js';
import { baselineItemOrder, baselineItemsOf, isBaselineOf } from './baselines.repository.js';
import type { BaselineItemRow, SnapshotLink } from './baselines.table.js';
import { baselineRowBatches, toBaselineItem, type BaselineItem } from './baselines.service.js';
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

/**
 * One side of a diff: its item ids in document order, its items in document order a batch at a
 * time, and some of its items by id.
 */
interface Side {
  order: string[];
  batches(): AsyncGenerator<SnapshotRow[]>;
  rowsOf(itemIds: readonly string[]): Promise<SnapshotRow[]>;
}

/** `head` (the live items) or a baseline of this specification (else 404). */
async function sideOf(db: Kysely<Database>, specificationId: string, name: string): Promise<Side> {
  if (name === 'head') {
    return {
      order: await itemOrder(db, specificationId),
      batches: () => itemSnapshotsInOrder(db, specificationId, BATCH),
      rowsOf: (ids) => itemSnapshotsOf(db, specificationId, ids),
    };
  }
  if (!(await isBaselineOf(db, name, specificationId))) throw new NotFoundError('Baseline');
  return {
    order: await baselineItemOrder(db, name),
    batches: () => baselineRowBatches(db, name),
    rowsOf: (ids) => baselineItemsOf(db, name, ids),
  };
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
 * removed items, changed fields (title, body, status, links) and moved items. Run it in a
 * snapshot (`snapshotRead`), so `head` is one consistent state however long the walk. The new side
 * is walked in document order a batch at a time, each batch beside the same items of the old side
 * (fetched by id), so memory holds the two orders and the differences, never both sides.
 */
export async function diffSpecification(
  trx: Kysely<Database>,
  { actor, enc }: Context,
  specificationId: string,
  query: { from: string; to: string },
): Promise<SpecificationDiff> {
  await specificationFor(trx, actor.userId, specificationId, 'viewer');
  const from = await sideOf(trx, specificationId, query.from);
  const to = await sideOf(trx, specificationId, query.to);
  const fromIndex = new Map(from.order.map((id, i) => [id, i]));
  const toIndex = new Map(to.order.map((id, i) => [id, i]));

  const added: BaselineItem[] = [];
  const changed: ChangedItem[] = [];
  // Items on both sides, for the moves: [old position, new position, reference].
  const common: [number, number, ItemRef][] = [];
  // The new side in document order, each batch beside the same items of the old side.
  for await (const batch of to.batches()) {
    const before = new Map(
      (await from.rowsOf(batch.map((r) => r.item_id).filter((id) => fromIndex.has(id)))).map(
        (r) => [r.item_id, r],
      ),
    );
    for (const b of batch) {
      const a = before.get(b.item_id);
      if (!a) {
        added.push(toBaselineItem(b, enc));
        continue;
      }
      const changes = changesOf(enc, a, b);
      if (Object.keys(changes).length > 0) changed.push({ id: b.item_id, key: b.key, changes });
      common.push([fromIndex.get(a.item_id) ?? 0, toIndex.get(b.item_id) ?? 0, refOf(b)]);
    }
  }
  // What the old side has and the new one lacks, in the old side's order.
  const removedIds = from.order.filter((id) => !toIndex.has(id));
  const removed: BaselineItem[] = [];
  for (let i = 0; i < removedIds.length; i += BATCH) {
    const rows = await from.rowsOf(removedIds.slice(i, i + BATCH));
    rows.sort((x, y) => (fromIndex.get(x.item_id) ?? 0) - (fromIndex.get(y.item_id) ?? 0));
    removed.push(...rows.map((r) => toBaselineItem(r, enc)));
  }

  common.sort((x, y) => x[0] - y[0]);
  const moved = movedIndexes(common.map((c) => c[1]))
    .map((i) => common[i] as [number, number, ItemRef])
    .sort((x, y) => x[1] - y[1])
    .map((c) => c[2]);
  return {
    from: query.from,
    to: query.to,
    summary: {
      added: added.length,
      removed: removed.length,
      changed: changed.length,
      moved: moved.length,
    },
    added,
    removed,
    changed,
    moved,
  };
}
