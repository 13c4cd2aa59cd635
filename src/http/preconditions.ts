import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IfMatch } from '../domain/preconditions.js';

/** Sets the resource's strong ETag (its version) and returns it: `return withEtag(reply, item)`. */
export function withEtag<T extends { version: number }>(reply: FastifyReply, resource: T): T {
  void reply.header('etag', `"${resource.version}"`);
  return resource;
}

/**
 * Reads `If-Match` (RFC 9110 §13.1.1). It compares strongly, so a weak tag (`W/"3"`) or anything
 * that is not one of our tags matches nothing and the change is refused with 412.
 */
export function ifMatchOf(request: FastifyRequest): IfMatch {
  const header = request.headers['if-match'];
  if (header === undefined) return null;
  const value = header.trim();
  if (value === '*') return { any: true };
  const versions = new Set<number>();
  for (const tag of value.split(',')) {
    const match = /^"(\d{1,9})"$/.exec(tag.trim());
    if (match?.[1] !== undefined) versions.add(Number(match[1]));
  }
  return { any: false, versions };
}
