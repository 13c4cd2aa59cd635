import * as client from 'openid-client';
import {
  SignInError,
  text,
  type FederatedProfile,
  type FlowChecks,
  type OAuthProvider,
} from './provider.js';
import { redeemCode } from './token-grant.js';

/** How to reach GitHub (or a GitHub Enterprise Server). */
export interface GitHubSettings {
  clientId: string;
  clientSecret: string;
  webUrl: string;
  apiUrl: string;
  allowHttp: boolean;
}

interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
  avatar_url: string | null;
}

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

const API_TIMEOUT_MS = 10_000;

/** GitHub: OAuth 2 (no ID tokens), the person from its REST API's `/user` and `/user/emails`. */
export class GitHubProvider implements OAuthProvider {
  readonly id = 'github' as const;
  readonly name = 'GitHub';
  readonly type = 'oauth2' as const;
  private readonly config: client.Configuration;

  constructor(private readonly settings: GitHubSettings) {
    this.config = new client.Configuration(
      {
        issuer: settings.webUrl,
        authorization_endpoint: `${settings.webUrl}/login/oauth/authorize`,
        token_endpoint: `${settings.webUrl}/login/oauth/access_token`,
      },
      settings.clientId,
      settings.clientSecret,
    );
    this.config.timeout = API_TIMEOUT_MS / 1000;
    if (settings.allowHttp) client.allowInsecureRequests(this.config);
  }

  authorizationUrl(checks: FlowChecks & { codeChallenge: string }): Promise<URL> {
    return Promise.resolve(
      client.buildAuthorizationUrl(this.config, {
        redirect_uri: checks.redirectUri,
        scope: 'read:user user:email',
        state: checks.state,
        code_challenge: checks.codeChallenge,
        code_challenge_method: 'S256',
        allow_signup: 'true',
      }),
    );
  }

  async completeSignIn(callbackUrl: URL, checks: FlowChecks): Promise<FederatedProfile> {
    const tokens = await redeemCode(this.config, callbackUrl, checks, false);
    const user = await this.api<GitHubUser>(tokens.access_token, '/user');
    const emails = await this.api<GitHubEmail[]>(tokens.access_token, '/user/emails');
    if (typeof user.id !== 'number' || !Array.isArray(emails)) {
      throw new SignInError('provider_error', 'GitHub answered with an unexpected user');
    }
    const verified = emails.filter((e) => e.verified);
    const chosen = verified.find((e) => e.primary) ?? verified[0] ?? emails.find((e) => e.primary);
    return {
      provider: 'github',
      issuer: this.settings.webUrl,
      subject: String(user.id),
      email: text(chosen?.email),
      emailVerified: chosen?.verified === true,
      name: text(user.name) ?? text(user.login),
      avatarUrl: text(user.avatar_url),
    };
  }

  private async api<T>(accessToken: string, path: string): Promise<T> {
    let response: Response;
    try {
      response = await client.fetchProtectedResource(
        this.config,
        accessToken,
        new URL(`${this.settings.apiUrl}${path}`),
        'GET',
        undefined,
        new Headers({
          accept: 'application/vnd.github+json',
          'user-agent': 'Gilla',
          'x-github-api-version': '2022-11-28',
        }),
      );
    } catch (err) {
      throw new SignInError('temporarily_unavailable', 'GitHub could not be reached', {
        cause: err,
      });
    }
    if (!response.ok) {
      throw new SignInError('provider_error', `GitHub answered ${response.status} for ${path}`);
    }
    try {
      return (await response.json()) as T;
    } catch (err) {
      throw new SignInError('provider_error', 'GitHub answered with malformed JSON', {
        cause: err,
      });
    }
  }
}
