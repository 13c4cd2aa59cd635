import * as client from 'openid-client';
import type { JWTPayload } from 'jose';
import { IdTokenVerifier } from './id-token.js';
import type { ProviderId } from './oauth.table.js';
import {
  isTrue,
  SignInError,
  text,
  type FederatedProfile,
  type FlowChecks,
  type OAuthProvider,
} from './provider.js';
import { redeemCode, unavailable } from './token-grant.js';

/** How to reach one OpenID Connect issuer. */
export interface OidcIssuerSettings {
  id: ProviderId;
  name: string;
  issuer: string;
  /** The first is ours in the browser flow; all are accepted as `aud` of a presented ID token. */
  clientIds: string[];
  clientSecret: string | null;
  /** Plain http to a loopback issuer (development and tests; config refuses it in production). */
  allowHttp: boolean;
  issuerAliases?: string[];
}

interface Discovered {
  config: client.Configuration;
  verifier: IdTokenVerifier;
}

const DISCOVERY_TIMEOUT_SECONDS = 10;

/**
 * Google's `email_verified` is authoritative only for Gmail addresses and for Workspace accounts
 * whose `hd` is the address's domain (Google's guidance): other addresses may have changed hands.
 */
function googleVouches(email: string | null, claims: JWTPayload): boolean {
  const domain = email?.split('@').pop()?.toLowerCase();
  const hd = typeof claims.hd === 'string' ? claims.hd.toLowerCase() : null;
  return domain === 'gmail.com' || (hd !== null && domain === hd);
}

/** Google or any OpenID Connect issuer, found by discovery on first use. */
export class OidcIssuer implements OAuthProvider {
  readonly type = 'oidc' as const;
  private discovered: Promise<Discovered> | null = null;

  constructor(private readonly settings: OidcIssuerSettings) {}

  get id(): ProviderId {
    return this.settings.id;
  }

  get name(): string {
    return this.settings.name;
  }

  /** Discovery once, kept; a failure is not kept, so the next sign-in tries again. */
  private discover(): Promise<Discovered> {
    this.discovered ??= this.runDiscovery().catch((err: unknown) => {
      this.discovered = null;
      throw unavailable(this.name, err);
    });
    return this.discovered;
  }

  private async runDiscovery(): Promise<Discovered> {
    const { issuer, clientIds, clientSecret, allowHttp } = this.settings;
    const config = await client.discovery(
      new URL(issuer),
      clientIds[0] ?? '',
      clientSecret ?? undefined,
      clientSecret === null ? client.None() : client.ClientSecretBasic(clientSecret),
      {
        timeout: DISCOVERY_TIMEOUT_SECONDS,
        ...(allowHttp ? { execute: [client.allowInsecureRequests] } : {}),
      },
    );
    const metadata = config.serverMetadata();
    if (!metadata.jwks_uri) throw new Error(`${issuer} publishes no jwks_uri`);
    const verifier = new IdTokenVerifier({
      issuer: metadata.issuer,
      jwksUri: metadata.jwks_uri,
      algorithms: metadata.id_token_signing_alg_values_supported,
      ...(this.settings.issuerAliases ? { issuerAliases: this.settings.issuerAliases } : {}),
    });
    return { config, verifier };
  }

  async authorizationUrl(checks: FlowChecks & { codeChallenge: string }): Promise<URL> {
    const { config } = await this.discover();
    return client.buildAuthorizationUrl(config, {
      redirect_uri: checks.redirectUri,
      scope: 'openid email profile',
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: checks.codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  async completeSignIn(callbackUrl: URL, checks: FlowChecks): Promise<FederatedProfile> {
    const { config, verifier } = await this.discover();
    const tokens = await redeemCode(config, callbackUrl, checks, true);
    if (tokens.id_token === undefined) {
      throw new SignInError('invalid_id_token', 'The provider returned no ID token');
    }
    // openid-client checked the claims; the signature is checked here against the provider's keys.
    const claims = await verifier
      .verify(tokens.id_token, {
        audience: [config.clientMetadata().client_id],
        nonce: checks.nonce,
      })
      .catch((err: unknown) => {
        throw new SignInError('invalid_id_token', (err as Error).message, { cause: err });
      });
    const withInfo = await this.withUserInfo(config, tokens.access_token, claims);
    return this.profileOf(config.serverMetadata().issuer, withInfo);
  }

  async verifyIdToken(idToken: string, nonce: string | undefined): Promise<FederatedProfile> {
    const { config, verifier } = await this.discover();
    const claims = await verifier.verify(idToken, { audience: this.settings.clientIds, nonce });
    return this.profileOf(config.serverMetadata().issuer, claims);
  }

  /**
   * Many issuers put e-mail and profile only in UserInfo, not in the ID token; ask there when the
   * token has no e-mail (openid-client checks that UserInfo speaks of the same subject).
   */
  private async withUserInfo(
    config: client.Configuration,
    accessToken: string,
    claims: JWTPayload & { sub: string },
  ): Promise<JWTPayload & { sub: string }> {
    if (typeof claims.email === 'string' || !config.serverMetadata().userinfo_endpoint) {
      return claims;
    }
    try {
      const info = await client.fetchUserInfo(config, accessToken, claims.sub);
      return { ...info, ...claims, email: info.email, email_verified: info.email_verified };
    } catch (err) {
      // A ClientError is an answer that failed a check (e.g. another subject), not an outage.
      const failure =
        err instanceof client.ClientError ? 'provider_error' : 'temporarily_unavailable';
      throw new SignInError(failure, 'UserInfo could not be used', { cause: err });
    }
  }

  private profileOf(issuer: string, claims: JWTPayload & { sub: string }): FederatedProfile {
    const email = text(claims.email);
    const verified = email !== null && isTrue(claims.email_verified);
    return {
      provider: this.settings.id,
      issuer,
      subject: claims.sub,
      email,
      emailVerified:
        this.settings.id === 'google' ? verified && googleVouches(email, claims) : verified,
      name: text(claims.name),
      avatarUrl: text(claims.picture),
    };
  }
}
