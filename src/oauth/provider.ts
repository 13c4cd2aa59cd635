import type { ProviderId } from './oauth.table.js';

/** What a provider tells us about the person signing in. */
export interface FederatedProfile {
  provider: ProviderId;
  /** Who vouches for `subject`: the ID token's `iss`; GitHub's web address. */
  issuer: string;
  /** The provider's stable id for the person (`sub`; GitHub's numeric user id). */
  subject: string;
  email: string | null;
  /** Only true when the provider says it checked the address. */
  emailVerified: boolean;
  name: string | null;
  avatarUrl: string | null;
}

/** The secrets of one browser sign-in, made at `start` and checked at `callback`. */
export interface FlowChecks {
  redirectUri: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** One configured sign-in provider. */
export interface OAuthProvider {
  readonly id: ProviderId;
  readonly name: string;
  readonly type: 'oidc' | 'oauth2';
  /** Where to send the browser: the provider's authorization URL with state, nonce and PKCE. */
  authorizationUrl(checks: FlowChecks & { codeChallenge: string }): Promise<URL>;
  /** Checks the callback, redeems the code and returns who signed in. */
  completeSignIn(callbackUrl: URL, checks: FlowChecks): Promise<FederatedProfile>;
  /** Verifies an ID token the client already holds; absent for providers without ID tokens. */
  verifyIdToken?(idToken: string, nonce: string | undefined): Promise<FederatedProfile>;
}

/** A claim that is true or, from some providers, the string "true". */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/** A non-empty string claim, trimmed, or null. */
export function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** Why a browser sign-in failed at or with the provider; becomes the `error` of the redirect. */
export type SignInFailure =
  'access_denied' | 'provider_error' | 'invalid_id_token' | 'temporarily_unavailable';

/** A browser sign-in the provider refused, or whose answer did not pass our checks. */
export class SignInError extends Error {
  constructor(
    readonly failure: SignInFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SignInError';
  }
}
