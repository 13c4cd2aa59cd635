import type { Config } from '../config.js';
import { GitHubProvider } from './github.js';
import type { ProviderId } from './oauth.table.js';
import { OidcIssuer } from './oidc-issuer.js';
import type { OAuthProvider } from './provider.js';

const GOOGLE_ISSUER = 'https://accounts.google.com';

/** The enabled providers, in the order `GET /auth/providers` lists them. */
export function configuredProviders(config: Config): Map<ProviderId, OAuthProvider> {
  const { google, github, oidc } = config.oauth;
  // Config allows plain http only for a loopback provider outside production.
  const allowHttp = config.env !== 'production';
  const providers = new Map<ProviderId, OAuthProvider>();
  if (google) {
    providers.set(
      'google',
      new OidcIssuer({
        id: 'google',
        name: 'Google',
        ...google,
        allowHttp,
        // Google writes its issuer both ways in ID tokens.
        ...(google.issuer === GOOGLE_ISSUER ? { issuerAliases: ['accounts.google.com'] } : {}),
      }),
    );
  }
  if (github?.clientSecret) {
    providers.set(
      'github',
      new GitHubProvider({
        clientId: github.clientIds[0] ?? '',
        clientSecret: github.clientSecret,
        webUrl: github.webUrl,
        apiUrl: github.apiUrl,
        allowHttp,
      }),
    );
  }
  if (oidc) {
    providers.set('oidc', new OidcIssuer({ id: 'oidc', ...oidc, allowHttp }));
  }
  return providers;
}

/** The enabled providers as `GET /auth/providers` and `/config` show them. */
export function publicProviders(providers: Map<ProviderId, OAuthProvider>) {
  return [...providers.values()].map(({ id, name, type }) => ({ id, name, type }));
}
