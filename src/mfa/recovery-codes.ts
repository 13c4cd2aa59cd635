import { randomInt } from 'node:crypto';
import { hashToken } from '../platform/crypto.js';

/** 32 letters and digits that are hard to confuse (no 0/o, 1/l): 5 bits each. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** How many codes a user gets. */
export const RECOVERY_CODE_COUNT = 10;

/** A code of 16 characters in groups of four (80 bits): `k7mq-2xva-…`. */
function newCode(): string {
  const chars = Array.from({ length: 16 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** Ten fresh codes, to show the user once. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
}

/** What is stored of a code: its SHA-256, of the code without case, spaces or dashes. */
export function recoveryCodeHash(code: string): string {
  return hashToken(code.toLowerCase().replace(/[\s-]/g, ''));
}
