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
