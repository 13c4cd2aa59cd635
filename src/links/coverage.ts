import type { Kysely } from 'kysely';
import { ValidationError } from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import type { Database } from '../platform/schema.js';
import type { ItemRef } from '../items/items.service.js';
import { linkTypesOf } from '../projects/link-types.service.js';
import { specificationFor } from '../specifications/specifications.service.js';
import { coverageCounts, uncoveredItems } from './links.repository.js';

export interface Coverage {
  total: number;
  covered: number;
  /** covered / total in percent, two decimals; 0 for an empty specification. */
  percent: number;
  uncovered: ItemRef[];
}

/** At most this many uncovered items are listed. */
const UNCOVERED_SHOWN = 100;

/**
 * How many of a specification's items have at least one link of `type` in `direction`
 * (incoming: the item is the target, e.g. "verified by"), and the first uncovered ones in
 * document order. Exact counts.
 */
export async function coverageOf(
  db: Kysely<Database>,
  ctx: Context,
  specificationId: string,
  query: { type: string; direction: 'incoming' | 'outgoing' },
): Promise<Coverage> {
  const spec = await specificationFor(db, ctx.actor.userId, specificationId, 'viewer');
  if (!(await linkTypesOf(db, spec.project_id)).has(query.type)) {
    throw new ValidationError('type is not a link type of this project', [
      { path: 'query.type', message: 'is not a link type of this project' },
    ]);
  }
  const { total, covered } = await coverageCounts(db, specificationId, query.type, query.direction);
  const uncovered =
    covered === total
      ? []
      : await uncoveredItems(db, specificationId, query.type, query.direction, UNCOVERED_SHOWN);
  return {
    total,
    covered,
    percent: total === 0 ? 0 : Math.round((covered / total) * 10_000) / 100,
    uncovered: uncovered.map((r) => ({
      id: r.id,
      key: r.key,
      title: r.title,
      specificationId: r.specification_id,
    })),
  };
}
