import type { Cache } from '../platform/cache.js';
import type { Encryptor } from '../platform/crypto.js';
import { projectAccessVersionKey } from '../projects/projects.service.js';
import { specificationVersionKey } from '../specifications/specifications.service.js';

/**
 * Hot item pages, cached in Redis (or in-process with one process) so that re-reading a
 * specification costs two cache round trips instead of a query, with membership cached alongside.
 *
 * Every key carries version counters, and a change bumps the counter after it commits, so the next
 * read through any instance misses:
 * - the specification's (`specificationChanged`): any item created, changed, moved or deleted in
 *   it, or the specification deleted;
 * - the project's access (`projectAccessChanged`): a member removed (or leaving), or the project
 *   deleted.
 * (An account deletion removes only projects nobody else is a member of, and ends its sessions.)
 * A read that loaded before a change can only fill keys under the old versions, which nobody
 * reads any more. Pages are stored encrypted like the bodies they hold; entries live a minute, the
 * bound on staleness if Redis lost a version bump.
 */

const TTL_SECONDS = 60;
const MAX_KNOWN_SPECIFICATIONS = 50_000;

export interface PageKey {
  specificationId: string;
  userId: string;
  cursor?: string | undefined;
  limit: number;
}

export class ItemPageCache {
  /** Specification → project: never changes, so it is safe to keep in this process. */
  private readonly projectOf = new Map<string, string>();

  constructor(
    private readonly cache: Cache,
    private readonly enc: Encryptor,
  ) {}

  /** Null when written under a key that is no longer configured: a miss, not an error. */
  private decrypt(value: string): string | null {
    try {
      return this.enc.decrypt(value);
    } catch {
      return null;
    }
  }

  private async versions(specificationId: string, projectId: string | undefined) {
    const keys = [specificationVersionKey(specificationId)];
    if (projectId) keys.push(projectAccessVersionKey(projectId));
    const values = await Promise.all(keys.map((k) => this.cache.get(k)));
    return values.map((v) => v ?? '0').join('.');
  }

  private pageKey(key: PageKey, versions: string): string {
    return `items:${key.specificationId}:${versions}:${key.limit}:${key.cursor ?? ''}`;
  }

  private accessKey(key: PageKey, projectId: string, versions: string): string {
    return `access:${projectId}:${versions}:${key.userId}`;
  }

  /**
   * The page: from the cache when both it and the caller's membership are there; else from
   * `load` (which checks access), then cached under the versions read before loading.
   */
  async through<T>(
    key: PageKey,
    load: () => Promise<{ page: T; projectId: string | null }>,
  ): Promise<T> {
    const projectId = this.projectOf.get(key.specificationId);
    const versions = await this.versions(key.specificationId, projectId);
    if (projectId) {
      const [member, cached] = await Promise.all([
        this.cache.get(this.accessKey(key, projectId, versions)),
        this.cache.get(this.pageKey(key, versions)),
      ]);
      const text = member !== null && cached !== null ? this.decrypt(cached) : null;
      if (text !== null) return JSON.parse(text) as T;
    }
    const loaded = await load();
    // An empty page names no project; versions read without the project's counter fill nothing.
    if (loaded.projectId === null) return loaded.page;
    if (this.projectOf.size >= MAX_KNOWN_SPECIFICATIONS) this.projectOf.clear();
    this.projectOf.set(key.specificationId, loaded.projectId);
    if (projectId === loaded.projectId) {
      await Promise.all([
        this.cache.add(this.accessKey(key, projectId, versions), '1', TTL_SECONDS),
        this.cache.add(
          this.pageKey(key, versions),
          this.enc.encrypt(JSON.stringify(loaded.page)),
          TTL_SECONDS,
        ),
      ]);
    }
    return loaded.page;
  }
}
