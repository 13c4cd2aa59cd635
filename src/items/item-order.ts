import { generateKeyBetween } from 'fractional-indexing';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/schema.js';
import { neighbour } from './items.repository.js';

/*
 * Document order is a fractional index (rocicorp's fractional-indexing): every item holds a key
 * that sorts between its neighbours', so inserting or moving writes one row. The caller holds the
 * project's order lock, so two writers never compute the same key.
 */

/** The order key for the end of a specification. */
export async function endOrderKey(db: Kysely<Database>, specificationId: string): Promise<string> {
  const last = await neighbour(db, specificationId, null, 'previous');
  return generateKeyBetween(last?.order_key ?? null, null);
}

/**
 * The order key that puts an item right after `after` (null: at the top); null when `movingId`
 * is already there.
 */
export async function orderKeyAfter(
  db: Kysely<Database>,
  specificationId: string,
  after: { order_key: string } | null,
  movingId: string | null,
): Promise<string | null> {
  const next = await neighbour(db, specificationId, after?.order_key ?? null, 'next');
  if (next !== undefined && next.id === movingId) return null;
  return generateKeyBetween(after?.order_key ?? null, next?.order_key ?? null);
}
