import { ValidationError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Encodes a keyset position as an opaque cursor. */
export function encodeCursor(position: unknown[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor made by encodeCursor; a tampered one is a 400 naming `cursor`. */
export function decodeCursor(
  cursor: string | undefined,
  shape: ('uuid' | 'string' | 'number')[],
): unknown[] | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === shape.length &&
      value.every((v, i) =>
        shape[i] === 'uuid' ? typeof v === 'string' && UUID.test(v) : typeof v === shape[i],
      )
    ) {
      return value as unknown[];
    }
  } catch {
    // fall through
  }
  throw new ValidationError('cursor is invalid', [{ path: 'query.cursor', message: 'is invalid' }]);
}

/**
 * Turns a fetch of `limit + 1` rows into a page: the first `limit` rows mapped, and a cursor at
 * the last of them when the extra row shows there is more.
 */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
  position: (row: R) => unknown[],
): { data: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(map),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null,
  };
}
