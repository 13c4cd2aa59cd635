import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { IfMatch } from '../domain/preconditions.js';

/** Answers 201 Created with the new resource's address in `Location`: `return created(reply, url)`. */
export function created(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(201).header('location', location);
}

/** Sets the resource's strong ETag (its version) and returns it: `return withEtag(reply, item)`. */
export function withEtag<T extends { version: number }>(reply: FastifyReply, resource: T): T {
  void reply.header('etag', `"${resource.version}"`);
  return resource;
}

/**
 * Reads `If-Match` (RFC 9110 §13.1.1). It compares strongly, so a weak tag (`W/"3"`) or anything
 * that is not one of our tags matches nothing and the change is refused with 412; a bare `3` is
 * read as `"3"`.
 */
export function ifMatchOf(request: FastifyRequest): IfMatch {
  const header = request.headers['if-match'];
  if (header === undefined) return null;
  const value = header.trim();
  if (value === '*') return { any: true };
  const versions = new Set<number>();
  for (const tag of value.split(',')) {
    // A bare number, as copied from `version`, is taken for the tag it names.
    const match = /^"(\d{1,9})"$|^(\d{1,9})$/.exec(tag.trim());
    const version = match?.[1] ?? match?.[2];
    if (version !== undefined) versions.add(Number(version));
  }
  return { any: false, versions };
}

/** Whether an `If-None-Match` header names this tag (weak comparison, RFC 9110 §13.1.2). */
function noneMatch(header: string, etag: string): boolean {
  const weakly = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.trim() === '*' || header.split(',').some((tag) => weakly(tag) === weakly(etag));
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false: the answer carries more than the versioned resource (a project, the caller's role),
     * so its ETag is no reason to answer 304.
     */
    conditionalGet?: boolean;
  }
}

/**
 * Conditional GET: a GET or HEAD whose `If-None-Match` names the ETag of the answer it would get
 * is answered 304 Not Modified, without the body (routes may opt out: `conditionalGet: false`).
 */
export const conditionalGetPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onSend', async (request, reply, payload) => {
      const header = request.headers['if-none-match'];
      const etag = reply.getHeader('etag');
      if (
        header === undefined ||
        typeof etag !== 'string' ||
        reply.statusCode !== 200 ||
        request.routeOptions.config.conditionalGet === false ||
        (request.method !== 'GET' && request.method !== 'HEAD') ||
        !noneMatch(header, etag)
      ) {
        return payload;
      }
      reply.code(304).removeHeader('content-length').removeHeader('content-type');
      return null;
    });
    await Promise.resolve();
  },
  { name: 'conditional-get' },
);
