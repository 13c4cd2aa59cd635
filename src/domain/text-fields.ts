import { ValidationError } from './errors.js';

/** A title or name: trimmed, 1–`max` characters, or a 400 naming the field. */
export function cleanTitle(value: string, path: string, max = 200): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || [...trimmed].length > max) {
    throw new ValidationError(`${path} must be 1–${max} characters after trimming`, [
      { path, message: `must be 1–${max} characters after trimming` },
    ]);
  }
  return trimmed;
}

/** Long text (Markdown) of at most `maxBytes` bytes of UTF-8, or a 400 naming the field. */
export function limitBytes(value: string, path: string, maxBytes = 64 * 1024): string {
  if (Buffer.byteLength(value, 'utf8') > maxBytes) {
    throw new ValidationError(`${path} is larger than ${maxBytes / 1024} KiB`, [
      { path, message: `must be at most ${maxBytes / 1024} KiB` },
    ]);
  }
  return value;
}
