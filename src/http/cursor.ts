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
