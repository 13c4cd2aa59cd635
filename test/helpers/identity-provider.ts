import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';

/** What the provider says about one person. */
export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

/** A real OpenID provider (oidc-provider 8) on loopback, with the keys to mint tokens as it. */
export interface TestIdentityProvider {
  issuer: string;
  provider: Provider;
  /** Adds a person; the returned login is what to type into the provider's login form. */
  addAccount(login: string, account: TestAccount): string;
  /** An ID token signed with the provider's own key (or `key`/`alg` for forgeries). */
  mintIdToken(
    claims: JWTPayload,
    options?: { key?: CryptoKey | Uint8Array; alg?: string; kid?: string; typ?: string },
  ): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts oidc-provider with the given clients, PKCE (S256) required and RS256 ID tokens. Its
 * built-in development login and consent pages stand in for the provider's sign-in screens.
 */
export async function startIdentityProvider(options: {
  clients: (issuer: string) => TestClient[];
  routes?: Record<string, string>;
  /** Put e-mail and profile claims in the ID token itself, as Google does. */
  claimsInIdToken?: boolean;
  /** Extra request handling in front of the provider (a stand-in API). */
  extra?: (req: IncomingMessage, res: ServerResponse) => boolean;
}): Promise<TestIdentityProvider> {
  const accounts = new Map<string, TestAccount>();
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key-1';
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };

  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const server = createServer((req, res) => {
    if (options.extra?.(req, res)) return;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: options.clients(issuer).map((c) => ({
      ...c,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [jwk] },
    pkce: { methods: ['S256'], required: () => true },
    scopes: ['openid', 'email', 'profile', 'read:user', 'user:email'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'picture'],
    },
    conformIdTokenClaims: !options.claimsInIdToken,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-cookie-signing-key-0123456789'] },
    ...(options.routes ? { routes: options.routes } : {}),
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...account }) };
    },
  });
  const callback = provider.callback();
  handler = (req, res) => {
    void callback(req, res);
  };

  return {
    issuer,
    provider,
    addAccount(login, account) {
      accounts.set(login, account);
      return login;
    },
    async mintIdToken(claims, mint = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({
          alg: mint.alg ?? 'RS256',
          kid: mint.kid ?? kid,
          typ: mint.typ ?? 'JWT',
        })
        .sign(mint.key ?? privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
