import type { FastifyRequest } from 'fastify';
import type { Actor } from '../domain/actor.js';
import { InvalidTokenError } from '../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: set by authentication, null for anonymous requests. */
    actor: Actor | null;
  }
}

/** The authenticated caller of a route behind `app.authenticate`. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.actor === null) throw new InvalidTokenError('A bearer token is required');
  return request.actor;
}
