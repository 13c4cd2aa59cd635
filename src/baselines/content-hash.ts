import { createHash } from 'node:crypto';
import type { SnapshotLink } from './baselines.table.js';

/*
 * The canonical forms that content hashes are taken over (README, "Baselines, diff, approvals"):
 * JSON arrays as ECMAScript's JSON.stringify writes them, UTF-8, SHA-256, lower-case hex.
 */

/** What a baseline's hash covers of each item. */
export interface HashedItem {
  key: string;
  title: string;
  body: string;
  status: string;
  version: number;
  links: readonly SnapshotLink[];
}

/** One item's line: `[key, title, body, status, version, [[linkType, targetId], …]]` and `\n`. */
function baselineLine(item: HashedItem): string {
  const links = item.links.map((l) => [l.type, l.target.id]);
  return `${JSON.stringify([item.key, item.title, item.body, item.status, item.version, links])}\n`;
}

/** A baseline's content hash, fed its items in document order. */
export class BaselineHasher {
  private readonly hash = createHash('sha256');

  add(item: HashedItem): void {
    this.hash.update(baselineLine(item), 'utf8');
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * An item's content hash, which an approval of it is bound to: `[key, title, body, status]`. A
 * move or a link does not change it; an edit of its text or status does.
 */
export function itemContentHash(item: {
  key: string;
  title: string;
  body: string;
  status: string;
}): string {
  return createHash('sha256')
    .update(JSON.stringify([item.key, item.title, item.body, item.status]), 'utf8')
    .digest('hex');
}
