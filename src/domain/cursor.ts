import { ValidationError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string is a UUID (any version), as PostgreSQL's uuid type takes it. */
export const isUuid = (value: string): boolean => UUID.test(value);

type Position = string | number;

/** Encodes a keyset position (the sort key of the last row shown) as an opaque cursor. */
function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position])).toString('base64url');
}

/**
 * The keyset position in a cursor made by encodeCursor, or null for the first page; a tampered
 * cursor is a 400 naming `query.cursor`.
 */
export function decodeCursor(cursor: string | undefined, kind: 'uuid' | 'string'): string | null;
export function decodeCursor(cursor: string | undefined, kind: 'number'): number | null;
export function decodeCursor(
  cursor: string | undefined,
  kind: 'uuid' | 'string' | 'number',
): Position | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const position: unknown = Array.isArray(value) && value.length === 1 ? value[0] : undefined;
    if (
      kind === 'uuid'
        ? typeof position === 'string' && UUID.test(position)
        : kind === 'number'
          ? Number.isSafeInteger(position)
          : typeof position === kind
    ) {
      return position as Position;
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
  position: (row: R) => Position,
): { data: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(map),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null,
  };
}
