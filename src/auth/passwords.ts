import argon2 from 'argon2';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

import { ValidationError } from '../domain/errors.js';
import { HashWorker } from './hash-worker-client.js';

/** OWASP's argon2id settings: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

const COMMON = new Set(
  readFileSync(new URL('../../../assets/common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => line.trim().toLowerCase())
    .filter((line) => line !== ''),
);

/** Refuses passwords outside 8–128 characters or among the 10,000 most common. */
export function assertAcceptablePassword(password: string, field = 'password'): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new ValidationError(
      `${field} must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
      [
        {
          path: field,
          message: `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
        },
      ],
    );
  }
  if (COMMON.has(password.toLowerCase())) {
    throw new ValidationError(`${field} is too common`, [
      { path: field, message: 'is one of the most common passwords; choose another' },
    ]);
  }
}

const hashing = new HashWorker();

/** argon2id hash, computed in the hashing process (off the event loop, at lower priority). */
export function hashPassword(password: string): Promise<string> {
  return hashing.hash(password, ARGON2_OPTIONS);
}

let dummyHash: Promise<string> | null = null;

/**
 * Verifies a password; with no stored hash it verifies against a dummy one, so an unknown
 * account costs the same time as a wrong password. `needsRehash`: made with older settings.
 */
export async function verifyPassword(
  hash: string | null,
  password: string,
): Promise<{ ok: boolean; needsRehash: boolean }> {
  if (hash === null) {
    // A failed attempt (the hashing process died) is not kept: the next login makes it again.
    dummyHash ??= hashPassword(randomBytes(16).toString('hex')).catch((err: unknown) => {
      dummyHash = null;
      throw err;
    });
    await hashing.verify(await dummyHash, password);
    return { ok: false, needsRehash: false };
  }
  const ok = await hashing.verify(hash, password);
  return { ok, needsRehash: ok && argon2.needsRehash(hash, ARGON2_OPTIONS) };
}

/** A new password, checked against the rules and hashed (before any transaction opens). */
export async function acceptableHash(password: string, field = 'password'): Promise<string> {
  assertAcceptablePassword(password, field);
  return hashPassword(password);
}
