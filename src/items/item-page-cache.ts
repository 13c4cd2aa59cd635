import type { Cache } from '../platform/cache.js';
import type { Encryptor } from '../platform/crypto.js';
import { PageCache } from '../platform/page-cache.js';
import { projectAccessVersionKey } from '../projects/projects.service.js';
import { specificationVersionKey } from '../specifications/specifications.service.js';

export interface PageKey {
  specificationId: string;
  userId: string;
  cursor?: string | undefined;
  limit: number;
}

/**
 * Hot item pages (see platform/page-cache.ts). A page misses once its specification changed
 * (`specificationChanged`: any item created, changed, moved or deleted in it, or the
 * specification deleted) or who may see its project did (`projectAccessChanged`: a member
 * removed or leaving, or the project deleted). An account deletion removes only projects nobody
 * else is a member of, and ends its sessions.
 */
export class ItemPageCache {
  private readonly pages: PageCache;

  constructor(cache: Cache, enc: Encryptor) {
    this.pages = new PageCache(cache, enc, {
      namespace: 'items',
      versionKeys: (specificationId) => [specificationVersionKey(specificationId)],
      accessKeys: (projectId) => [projectAccessVersionKey(projectId)],
    });
  }

  /** The page: cached, or from `load` (which checks access). */
  through<T>(key: PageKey, load: () => Promise<{ page: T; projectId: string | null }>): Promise<T> {
    const query = `${key.limit}:${key.cursor ?? ''}`;
    return this.pages.through(key.specificationId, key.userId, query, load);
  }
}
