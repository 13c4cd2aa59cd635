import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { OAuthDeps } from './oauth.service.js';
import { configuredProviders } from './providers.js';

declare module 'fastify' {
  interface FastifyInstance {
    oauth: OAuthDeps;
  }
}

/** The enabled sign-in providers and what the OAuth flows need. */
export const oauthPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorate('oauth', {
      auth: app.authDeps,
      providers: configuredProviders(config),
      publicUrl: config.http.publicUrl,
      // The console's own callback is always allowed, after the configured ones (the first of
      // which stays the default).
      redirectAllowlist: [
        ...config.oauth.redirectAllowlist,
        `${config.http.publicUrl.replace(/\/+$/, '')}/oauth/callback`,
      ],
      log: app.log,
      counted: (provider, outcome) => app.metrics.oauthSignIns.inc({ provider, outcome }),
    });
    await Promise.resolve();
  },
  { name: 'oauth', dependencies: ['auth', 'metrics'] },
);
