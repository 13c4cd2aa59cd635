import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
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

/** The folders this process holds: a lock naming our own pid but not held here is stale. */
const held = new Set<string>();

/**
 * When a process started (clock ticks since boot, from /proc), or null where /proc does not tell.
 * With the pid it names one process for good: a pid reused later (PID 1 in every new container)
 * has another start time.
 */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its ')' are plain.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

interface Owner {
  pid: number;
  started: string | null;
}

function readOwner(file: string): Owner | null {
  try {
    const [pid, started] = readFileSync(file, 'utf8').trim().split(' ');
    const n = Number.parseInt(pid ?? '', 10);
    return Number.isInteger(n) && n > 0 ? { pid: n, started: started ?? null } : null;
  } catch {
    return null;
  }
}

/** Whether the process a lock names still runs (the same process, not one reusing its pid). */
function ownerAlive(owner: Owner, dataDir: string): boolean {
  if (owner.pid === process.pid) return held.has(dataDir);
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime(owner.pid);
  return owner.started === null || now === null || now === owner.started;
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
function removeStale(file: string, stale: Owner | null): void {
  const takeover = `${file}.takeover`;
  try {
    closeSync(openSync(takeover, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Left by a process that died while taking over: older than a few seconds, it is stale too.
    const since = statSync(takeover, { throwIfNoEntry: false });
    if (since && Date.now() - since.mtimeMs > 5000) unlinkIfThere(takeover);
    else pause(50);
    return;
  }
  try {
    const now = readOwner(file);
    if (now?.pid === stale?.pid && now?.started === stale?.started) unlinkIfThere(file);
  } finally {
    unlinkIfThere(takeover);
  }
}

/** A held data folder; `release` lets it go (only if this process still holds it). */
export interface DataDirLock {
  release(): void;
}

/**
 * Makes this process the one owner of a data folder: `gilla.pid` appears with its pid and start
 * time in one step (written aside, then hard-linked, which fails if the file exists). A lock whose
 * process is gone (a crash, `kill -9`, a container restarted) is taken over with a warning; one
 * whose process lives is refused with DataDirInUseError naming it.
 */
export function lockDataDir(dataDir: string, log: Logger): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  const mine = `${process.pid} ${startTime(process.pid) ?? ''}`.trim();
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, `${mine}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        linkSync(draft, file);
        held.add(dataDir);
        return {
          release() {
            held.delete(dataDir);
            if (readOwner(file)?.pid === process.pid) unlinkIfThere(file);
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = readOwner(file);
      if (owner !== null && ownerAlive(owner, dataDir)) {
        throw new DataDirInUseError(dataDir, owner.pid);
      }
      log.warn({ dataDir, stalePid: owner?.pid }, 'taking over the data folder: its owner is gone');
      removeStale(file, owner);
    }
    throw new DataDirInUseError(dataDir, readOwner(file)?.pid ?? 0);
  } finally {
    unlinkIfThere(draft);
  }
}
