import fp from 'fastify-plugin';
import path from 'node:path';
import type { Config } from '../config.js';
import { newestBackupTime, pruneBackups } from '../platform/backup.js';
import { CONTROL_SOCKET } from './control-protocol.js';
import { startControlServer } from './control-server.js';
import { runCommand, takeBackup, type CommandDeps } from './commands.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
// Unix socket paths are limited to about a hundred bytes.
const MAX_SOCKET_PATH = 100;

/** When the next daily backup is due: a day after the newest, a minute from now if overdue. */
export function nextBackupDelayMs(newest: number | null, now = Date.now()): number {
  return newest === null ? MINUTE_MS : Math.max(MINUTE_MS, newest + DAY_MS - now);
}

/**
 * For the embedded database, whose folder this process owns: the control socket through which
 * `gilla user create`, `migrate status`, `keys rotate` and `backup` work while the service runs,
 * and the daily backup into DATA_DIR/backups (BACKUP_SCHEDULE, BACKUP_RETENTION_DAYS).
 */
export const controlPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const { dataDir, url } = config.database;
    await Promise.resolve();
    if (url !== null || dataDir === null) return;
    const deps: CommandDeps = { config, database: app.database, enc: app.encryptor };

    const socketPath = path.join(dataDir, CONTROL_SOCKET);
    if (socketPath.length > MAX_SOCKET_PATH) {
      app.log.warn({ socketPath }, 'DATA_DIR is too long a path for the control socket');
    } else {
      let server: { close(): Promise<void> } | null = null;
      app.addHook('onReady', async () => {
        server = await startControlServer(
          socketPath,
          (request, onProgress) => runCommand(deps, request, onProgress),
          app.log,
        );
      });
      app.addHook('preClose', async () => {
        await server?.close();
      });
    }

    if (!config.backup.schedule) return;
    const dir = path.join(dataDir, 'backups');
    let timer: NodeJS.Timeout | null = null;
    let closed = false;
    const daily = async () => {
      try {
        const file = await takeBackup(deps, null);
        const removed = pruneBackups(dir, config.backup.retentionDays);
        app.log.info({ file, removed }, 'daily backup written');
      } catch (err) {
        app.log.error({ err }, 'daily backup failed; trying again in an hour');
        schedule(3_600_000);
        return;
      }
      schedule(DAY_MS);
    };
    const schedule = (delayMs: number) => {
      if (closed) return;
      timer = setTimeout(() => void daily(), delayMs);
      timer.unref();
    };
    app.addHook('onReady', async () => {
      schedule(nextBackupDelayMs(newestBackupTime(dir)));
      await Promise.resolve();
    });
    app.addHook('preClose', async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await Promise.resolve();
    });
  },
  { name: 'control', dependencies: ['database', 'encryption'] },
);
