import type { Cache } from './cache.js';
import type { Encryptor } from './crypto.js';

/**
 * Hot pages of a project's data, cached in Redis (or in-process with one process) so that
 * re-reading one costs two cache round trips instead of a query, with the caller's membership
 * cached alongside.
 *
 * Every key carries version counters (which ones, the user of this class says), and a change bumps
 * a counter after it commits, so the next read through any instance misses. A read that loaded
 * before a change can only fill keys under the old versions, which nobody reads any more. Pages
 * are stored encrypted (they may hold item bodies); entries live a minute, the bound on staleness
 * if Redis lost a version bump.
 */

const TTL_SECONDS = 60;
const MAX_KNOWN_OWNERS = 50_000;

export interface PageCacheOptions {
  /** Names this cache's keys, e.g. `items`. */
  namespace: string;
  /** The version keys a page of `ownerId` depends on (`projectId` once known). */
  versionKeys: (ownerId: string, projectId: string | undefined) => string[];
  /** The version keys the caller's cached membership of a project depends on. */
  accessKeys: (projectId: string) => string[];
}

export class PageCache {
  /** Owner (a specification, an item) → its project: never changes, so safe to keep here. */
  private readonly projectOf = new Map<string, string>();

  constructor(
    private readonly cache: Cache,
    private readonly enc: Encryptor,
    private readonly options: PageCacheOptions,
  ) {}

  /** Null when written under a key that is no longer configured: a miss, not an error. */
  private decrypt(value: string): string | null {
    try {
      return this.enc.decrypt(value);
    } catch {
      return null;
    }
  }

  private async versions(ownerId: string, projectId: string | undefined) {
    const keys = [
      ...this.options.versionKeys(ownerId, projectId),
      ...(projectId ? this.options.accessKeys(projectId) : []),
    ];
    const values = await Promise.all(keys.map((k) => this.cache.get(k)));
    return values.map((v) => v ?? '0').join('.');
  }

  /**
   * The page of `ownerId` that `query` names (every parameter that shapes the page): from the
   * cache when both it and the caller's membership are there; else from `load` (which checks
   * access), then cached under the versions read before loading.
   */
  async through<T>(
    ownerId: string,
    userId: string,
    query: string,
    load: () => Promise<{ page: T; projectId: string | null }>,
  ): Promise<T> {
    const projectId = this.projectOf.get(ownerId);
    const versions = await this.versions(ownerId, projectId);
    const pageKey = `${this.options.namespace}:${ownerId}:${versions}:${query}`;
    const accessKey = (project: string) => `access:${project}:${versions}:${userId}`;
    if (projectId) {
      const [member, cached] = await Promise.all([
        this.cache.get(accessKey(projectId)),
        this.cache.get(pageKey),
      ]);
      const text = member !== null && cached !== null ? this.decrypt(cached) : null;
      if (text !== null) return JSON.parse(text) as T;
    }
    const loaded = await load();
    // An empty page names no project; versions read without the project's counters fill nothing.
    if (loaded.projectId === null) return loaded.page;
    if (this.projectOf.size >= MAX_KNOWN_OWNERS) this.projectOf.clear();
    this.projectOf.set(ownerId, loaded.projectId);
    if (projectId === loaded.projectId) {
      await Promise.all([
        this.cache.add(accessKey(projectId), '1', TTL_SECONDS),
        this.cache.add(pageKey, this.enc.encrypt(JSON.stringify(loaded.page)), TTL_SECONDS),
      ]);
    }
    return loaded.page;
  }
}
