import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** SHA-256 of a high-entropy token, base64url: how tokens are stored and looked up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A random opaque token of `bytes` bytes (default 32 = 256 bits), base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

interface DataKey {
  id: string;
  key: Buffer;
}

function deriveKey(secret: string): DataKey {
  const key = Buffer.from(hkdfSync('sha256', secret, 'gilla', 'gilla data encryption v1', 32));
  const id = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return { id, key };
}

/** Thrown when a stored value cannot be decrypted with any configured key. */
export class DecryptionError extends Error {}

/**
 * AES-256-GCM with the key id in every value (`v1.<keyId>.<iv>.<tag>.<ciphertext>`), so that
 * a previous key can still read values written before a rotation.
 */
export class Encryptor {
  private readonly current: DataKey;
  private readonly byId = new Map<string, DataKey>();

  constructor(secret: string, previous: string | null = null) {
    this.current = deriveKey(secret);
    this.byId.set(this.current.id, this.current);
    if (previous !== null) {
      const old = deriveKey(previous);
      this.byId.set(old.id, old);
    }
  }

  /** The id of the key new values are written with; every value carries the id of its key. */
  get keyId(): string {
    return this.current.id;
  }

  /** How every value written with the current key begins. */
  get currentPrefix(): string {
    return `v1.${this.current.id}.`;
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      'v1',
      this.current.id,
      iv.toString('base64url'),
      tag.toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  decrypt(value: string): string {
    const [version, keyId, iv, tag, body] = value.split('.');
    const dataKey = keyId === undefined ? undefined : this.byId.get(keyId);
    if (
      version !== 'v1' ||
      !dataKey ||
      iv === undefined ||
      tag === undefined ||
      body === undefined
    ) {
      throw new DecryptionError('value was not written with a configured key');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch (err) {
      throw new DecryptionError('value failed authentication', { cause: err });
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    encryptor: Encryptor;
  }
}

/** Decorates `app.encryptor` with ENCRYPTION_KEY (and ENCRYPTION_KEY_PREVIOUS for reading). */
export const encryptionPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorate(
      'encryptor',
      new Encryptor(config.secrets.encryption, config.secrets.encryptionPrevious),
    );
    await Promise.resolve();
  },
  { name: 'encryption' },
);
