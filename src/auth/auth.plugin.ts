import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { registerAuthentication } from './authenticate.js';
import type { AuthDeps } from './auth.service.js';
import { LoginThrottle } from './login-throttle.js';

declare module 'fastify' {
  interface FastifyInstance {
    authDeps: AuthDeps;
  }
}

/** Authentication decorators and the account flows' dependencies. */
export const authPlugin = fp<{ config: Config; registrationOpen?: () => Promise<boolean> }>(
  async (app, { config, registrationOpen }) => {
    const { tokens, metrics } = app;
    registerAuthentication(app, tokens);
    app.decorate('authDeps', {
      tokens,
      refreshTtlSeconds: config.auth.refreshTokenTtlSeconds,
      throttle: new LoginThrottle(app.cache),
      appName: config.app.name,
      appUrl: config.http.appUrl,
      requireEmailVerification: config.auth.requireEmailVerification,
      registrationOpen: registrationOpen ?? (() => Promise.resolve(true)),
      mailQueued: () => app.outbox.kick(),
      counters: {
        loginFailure: () => metrics.loginFailures.inc(),
        refreshed: () => metrics.tokenRefreshes.inc(),
        reuseDetected: () => metrics.refreshReuse.inc(),
      },
    });
    await Promise.resolve();
  },
  { name: 'auth', dependencies: ['database', 'cache', 'metrics', 'encryption', 'mail', 'tokens'] },
);
