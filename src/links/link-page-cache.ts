import type { Cache } from '../platform/cache.js';
import type { Encryptor } from '../platform/crypto.js';
import { PageCache } from '../platform/page-cache.js';
import { projectAccessVersionKey, projectTraceVersionKey } from '../projects/projects.service.js';

export interface LinkPageKey {
  itemId: string;
  userId: string;
  direction: string;
  type?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

/**
 * Hot pages of an item's links (see platform/page-cache.ts). A page misses once anything in its
 * project's trace changed (`projectTraceChanged`: a link made, removed or cleared, an item changed
 * or deleted, a specification deleted) or who may see the project did (`projectAccessChanged`).
 */
export class LinkPageCache {
  private readonly pages: PageCache;

  constructor(cache: Cache, enc: Encryptor) {
    this.pages = new PageCache(cache, enc, {
      namespace: 'links',
      versionKeys: (_itemId, projectId) => (projectId ? [projectTraceVersionKey(projectId)] : []),
      accessKeys: (projectId) => [projectAccessVersionKey(projectId)],
    });
  }

  /** The page: cached, or from `load` (which checks access). */
  through<T>(
    key: LinkPageKey,
    load: () => Promise<{ page: T; projectId: string | null }>,
  ): Promise<T> {
    const query = [key.direction, key.type ?? '', key.limit, key.cursor ?? ''].join(':');
    return this.pages.through(key.itemId, key.userId, query, load);
  }
}
