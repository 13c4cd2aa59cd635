import type { Kysely } from 'kysely';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import { itemRefOf, type ItemRef } from '../items/items.service.js';
import { itemRefRows, sourcesOf } from './links.repository.js';

/** An item affected by a change to another: how many links away, and the type it came through. */
export interface Impacted {
  item: ItemRef;
  depth: number;
  via: string;
}

/** The number in a key (`AUTH-12` -> 12), to sort like people count. */
const numberOf = (key: string) => Number(key.slice(key.lastIndexOf('-') + 1));

/**
 * Every item that reaches this one through incoming links, up to `depth` links away: a breadth-
 * first walk, one query per level, so each item appears once at its shortest depth and a cycle
 * ends where it meets an item already seen. `via` is the type of the link it came through (of
 * several at that depth, the first by type key). Sorted by depth, then key.
 */
export async function impactOf(
  db: Kysely<Database>,
  ctx: Context,
  itemId: string,
  depth: number,
): Promise<Impacted[]> {
  const start = await itemRefOf(db, ctx, itemId);
  const seen = new Map<string, { depth: number; via: string }>([[start.id, { depth: 0, via: '' }]]);
  let frontier = [start.id];
  for (let level = 1; level <= depth && frontier.length > 0; level++) {
    const next: string[] = [];
    for (const { source_id: id, type } of await sourcesOf(db, frontier)) {
      if (seen.has(id)) continue;
      seen.set(id, { depth: level, via: type });
      next.push(id);
    }
    frontier = next;
  }
  seen.delete(start.id);
  const refs = await itemRefRows(db, [...seen.keys()]);
  return refs
    .map((r) => ({
      item: { id: r.id, key: r.key, title: r.title, specificationId: r.specification_id },
      ...(seen.get(r.id) as { depth: number; via: string }),
    }))
    .sort((a, b) => a.depth - b.depth || numberOf(a.item.key) - numberOf(b.item.key));
}
