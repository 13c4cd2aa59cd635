import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface DevSecrets {
  jwtSecretKey: string;
  encryptionKey: string;
}

function fresh(): DevSecrets {
  return {
    jwtSecretKey: randomBytes(48).toString('base64url'),
    encryptionKey: randomBytes(48).toString('base64url'),
  };
}

/**
 * Development only: secrets generated once and kept in `dataDir/secrets.json` (mode 0600),
 * so tokens and encrypted values survive restarts. With no data dir they live in memory.
 */
export function loadOrCreateDevSecrets(dataDir: string | null): {
  secrets: DevSecrets;
  file: string | null;
} {
  if (dataDir === null) return { secrets: fresh(), file: null };
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    return { secrets: JSON.parse(readFileSync(file, 'utf8')) as DevSecrets, file };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secrets = fresh();
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { secrets, file };
}
