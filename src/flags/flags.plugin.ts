import fp from 'fastify-plugin';
import { evaluateFlags, isFlagEnabled } from './flags.service.js';

/** Feature flags as the service's own code asks them. */
export interface FlagChecks {
  /** Whether a flag is on for a user (null: anonymous); unknown flags are off. */
  isEnabled(key: string, userId: string | null): Promise<boolean>;
  /** Every flag evaluated for one caller. */
  evaluateAll(userId: string | null): Promise<Record<string, boolean>>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Feature flags for the service's own code: `app.flags.isEnabled(key, userId)`. */
    flags: FlagChecks;
  }
}

/** Decorates `app.flags`. */
export const flagsPlugin = fp(
  async (app) => {
    app.decorate('flags', {
      isEnabled: (key: string, userId: string | null) =>
        isFlagEnabled(app.db, app.cache, key, userId),
      evaluateAll: (userId: string | null) => evaluateFlags(app.db, app.cache, userId),
    });
    await Promise.resolve();
  },
  { name: 'flags', dependencies: ['database', 'cache'] },
);
