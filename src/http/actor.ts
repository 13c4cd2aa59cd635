import type { FastifyRequest } from 'fastify';
import { InvalidTokenError } from '../errors.js';
import type { UserRole } from '../users/users.table.js';

/** Who is calling: set by authentication, null for anonymous requests. */
export interface Actor {
  userId: string;
  sessionId: string;
  role: UserRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

/** The authenticated caller of a route behind `app.authenticate`. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.actor === null) throw new InvalidTokenError('A bearer token is required');
  return request.actor;
}
