import type { Kysely } from 'kysely';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import { itemBatches, type ItemRef, type ItemWithAttributes } from '../items/items.service.js';
import { linksOfItems } from '../links/links.service.js';

/** One end of a link as seen from an item: the item at the other end. */
export interface LinkEnd {
  id: string;
  type: string;
  item: ItemRef;
  suspect: boolean;
  suspectSince: Date | null;
}

export interface LinkedItem {
  item: ItemWithAttributes;
  outgoing: LinkEnd[];
  incoming: LinkEnd[];
}

/**
 * Every item of a specification in document order with its outgoing and incoming links: a batch
 * of items, then one query for all their links.
 */
export async function* linkedItems(
  db: Kysely<Database>,
  ctx: Context,
  specificationId: string,
): AsyncGenerator<LinkedItem> {
  for await (const batch of itemBatches(db, ctx, specificationId)) {
    const byItem = new Map<string, LinkedItem>(
      batch.map((item) => [item.id, { item, outgoing: [], incoming: [] }]),
    );
    for (const link of await linksOfItems(
      db,
      batch.map((i) => i.id),
    )) {
      const common = { id: link.id, type: link.type, suspect: link.suspect };
      const since = { suspectSince: link.suspectSince };
      byItem.get(link.source.id)?.outgoing.push({ ...common, item: link.target, ...since });
      byItem.get(link.target.id)?.incoming.push({ ...common, item: link.source, ...since });
    }
    yield* byItem.values();
  }
}

/** A file name from a title: `Login & sign-up` -> `login-sign-up`. */
export function slugOf(title: string, fallback: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || fallback
  );
}
