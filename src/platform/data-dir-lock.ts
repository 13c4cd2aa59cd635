import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** A second process wanted a data folder that a live process owns. */
export class DataDirInUseError extends Error {
  readonly code = 'data_dir_in_use';

  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(
      `data_dir_in_use: ${dataDir} is owned by process ${ownerPid}; ` +
        'stop it first, or talk to it through its control socket (the gilla command does)',
    );
    this.name = 'DataDirInUseError';
  }
}

interface Logger {
  warn(obj: object, msg: string): void;
}

/** The lock file's name in the data folder. */
export const LOCK_FILE = 'gilla.pid';

/**
 * Whether a process is alive and could be ours: it exists (signal 0 reaches it or is refused),
 * and where /proc tells, it is Node.js (a pid recycled by another program does not hold the lock).
 */
function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /node|gilla/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true;
  }
}

function readOwner(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** A held data folder; `release` lets it go (only if this process still holds it). */
export interface DataDirLock {
  release(): void;
}

function unlinkIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Removes a lock file whose owner is gone, unless another process took it over meanwhile: only
 * the holder of `gilla.pid.takeover` (created exclusively) may remove it, and it looks again
 * first, so two processes starting at once cannot both remove a lock and both own the folder.
 */
function removeStale(file: string, stalePid: number | null): void {
  const takeover = `${file}.takeover`;
  try {
    closeSync(openSync(takeover, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Left by a process that died while taking over: older than a few seconds, it is stale too.
    const age = Date.now() - statSync(takeover, { throwIfNoEntry: false })!.mtimeMs;
    if (Number.isFinite(age) && age > 5000) unlinkIfThere(takeover);
    else pause(50);
    return;
  }
  try {
    if (readOwner(file) === stalePid) unlinkIfThere(file);
  } finally {
    unlinkIfThere(takeover);
  }
}

/**
 * Makes this process the one owner of a data folder: creates `gilla.pid` exclusively (O_EXCL)
 * with its pid. A lock whose process is gone (a crash, `kill -9`) is taken over with a warning;
 * one whose process lives is refused with DataDirInUseError naming it.
 */
export function lockDataDir(dataDir: string, log: Logger): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        release() {
          if (readOwner(file) === process.pid) unlinkSync(file);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(file);
    if (owner === null && attempt < 3) {
      // Another process is writing its pid right now: look again.
      pause(20);
      continue;
    }
    if (owner !== null && (owner === process.pid || ownerAlive(owner))) {
      throw new DataDirInUseError(dataDir, owner);
    }
    log.warn({ dataDir, stalePid: owner }, 'taking over the data folder: its owner is gone');
    removeStale(file, owner);
  }
  throw new DataDirInUseError(dataDir, readOwner(file) ?? 0);
}

/** The pid of the live process that owns a data folder, or null when none does. */
export function dataDirOwner(dataDir: string): number | null {
  const owner = readOwner(path.join(dataDir, LOCK_FILE));
  return owner !== null && owner !== process.pid && ownerAlive(owner) ? owner : null;
}
