import { PreconditionFailedError } from './errors.js';

/** What an `If-Match` header allows: any version (`*`), a set of versions, or (absent) anything. */
export type IfMatch = { any: true } | { any: false; versions: ReadonlySet<number> } | null;

/** Throws 412 unless `ifMatch` allows the resource's current version. */
export function assertIfMatch(ifMatch: IfMatch, currentVersion: number): void {
  if (ifMatch === null || ifMatch.any) return;
  if (!ifMatch.versions.has(currentVersion)) throw new PreconditionFailedError();
}
