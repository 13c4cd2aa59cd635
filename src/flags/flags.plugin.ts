import fp from 'fastify-plugin';
import { SettingsStore } from '../settings/settings.service.js';
import { FlagStore } from './flags.service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Feature flags for the service's own code: `app.flags.isEnabled(key, userId)`. */
    flags: FlagStore;
    settings: SettingsStore;
  }
}

/** Decorates `app.flags` and `app.settings`. */
export const flagsPlugin = fp(
  async (app) => {
    app.decorate('flags', new FlagStore(app.db, app.cache));
    app.decorate('settings', new SettingsStore(app.db, app.cache));
    await Promise.resolve();
  },
  { name: 'flags', dependencies: ['database', 'cache'] },
);
