import path from 'node:path';
import { assertEmail, createUserWithPassword } from '../accounts/accounts.service.js';
import { acceptableHash } from '../auth/passwords.js';
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { backupFileName, pgDump, writeBackupFile } from '../platform/backup.js';
import type { Encryptor } from '../platform/crypto.js';
import { connectionString, type DatabaseHandle } from '../platform/database.js';
import { rotateKeys } from '../platform/key-rotation.js';
import { migrationStatus } from '../platform/migrator.js';
import type { ControlProgress, ControlRequest, ControlResult } from './control-protocol.js';

/** What a command needs: the open database (the service's, or the CLI's own) and its key. */
export interface CommandDeps {
  config: Config;
  database: DatabaseHandle;
  enc: Encryptor;
}

const ok = (stdout: string): ControlResult => ({ exitCode: 0, stdout, stderr: '' });
const failed = (command: string, message: string): ControlResult => ({
  exitCode: 1,
  stdout: '',
  stderr: `gilla ${command}: ${message}\n`,
});

/** Where `gilla backup` writes when no --out is given. */
export function defaultBackupPath(config: Config): string {
  const { dataDir, url } = config.database;
  return url === null && dataDir !== null
    ? path.join(dataDir, 'backups', backupFileName('embedded'))
    : path.resolve(backupFileName('postgres'));
}

/** Takes a backup: the embedded database's own dump, or pg_dump of PostgreSQL. */
export async function takeBackup(deps: CommandDeps, out: string | null): Promise<string> {
  const file = out ?? defaultBackupPath(deps.config);
  if (deps.database.dump) await writeBackupFile(file, await deps.database.dump());
  else if (deps.config.database.url !== null) {
    const { url, caFile } = deps.config.database;
    await pgDump(connectionString(url, caFile), file);
  } else throw new Error('this database cannot be backed up');
  return file;
}

/** Runs one data command, wherever the database is open (in the service, or in the CLI). */
export async function runCommand(
  deps: CommandDeps,
  request: ControlRequest,
  onProgress: (progress: ControlProgress) => void,
): Promise<ControlResult> {
  switch (request.command) {
    case 'user-create': {
      try {
        assertEmail(request.email);
        const created = await createUserWithPassword(deps.database.db, {
          email: request.email,
          passwordHash: await acceptableHash(request.password),
          name: request.name,
          role: request.admin ? 'admin' : 'user',
        });
        return ok(`created ${created.role} ${created.email} (${created.id})\n`);
      } catch (err) {
        if (err instanceof DomainError) return failed('user create', err.message);
        throw err;
      }
    }
    case 'migrate-status': {
      const lines = (await migrationStatus(deps.database.db)).map(
        (m) =>
          `${m.executedAt ? 'applied' : 'pending'}  ${m.name}${m.executedAt ? `  ${m.executedAt.toISOString()}` : ''}\n`,
      );
      return ok(lines.join(''));
    }
    case 'keys-rotate': {
      // Through the socket the service's keys do the work: they must be the ones the operator
      // set for the rotation, or nothing would change.
      if (request.keyId !== deps.enc.keyId) {
        return failed(
          'keys rotate',
          `the running service encrypts under key ${deps.enc.keyId}, not ${request.keyId}: ` +
            'restart it with the new ENCRYPTION_KEY (and the old one as ENCRYPTION_KEY_PREVIOUS) first',
        );
      }
      const { rotated } = await rotateKeys(deps.database.db, deps.enc, {
        batchSize: request.batchSize,
        onProgress,
      });
      return ok(`re-encrypted ${rotated} values under key ${deps.enc.keyId}\n`);
    }
    case 'backup': {
      const file = await takeBackup(deps, request.out);
      return ok(`backup written to ${file}\n`);
    }
  }
}
