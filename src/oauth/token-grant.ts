import * as client from 'openid-client';
import { UnavailableError } from '../domain/errors.js';
import { SignInError, type FlowChecks } from './provider.js';

/** The callback URL as the provider sent the browser to it, rebuilt on our public address. */
function currentUrl(callbackUrl: URL, redirectUri: string): URL {
  const url = new URL(redirectUri);
  url.search = callbackUrl.search;
  return url;
}

/**
 * Redeems the authorization code (openid-client checks state, PKCE, the `iss` parameter and,
 * for OpenID Connect, the ID token's claims and nonce) and sorts failures into what the user
 * is told: denied, refused by the provider, a bad answer, or the provider unreachable.
 */
export async function redeemCode(
  config: client.Configuration,
  callbackUrl: URL,
  checks: FlowChecks,
  idTokenExpected: boolean,
): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers> {
  try {
    return await client.authorizationCodeGrant(
      config,
      currentUrl(callbackUrl, checks.redirectUri),
      {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        ...(idTokenExpected ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}),
      },
      { redirect_uri: checks.redirectUri },
    );
  } catch (err) {
    if (err instanceof client.AuthorizationResponseError) {
      const denied = err.error === 'access_denied';
      throw new SignInError(denied ? 'access_denied' : 'provider_error', err.message, {
        cause: err,
      });
    }
    if (err instanceof client.ResponseBodyError) {
      throw new SignInError('provider_error', `The provider refused the code: ${err.error}`, {
        cause: err,
      });
    }
    if (err instanceof client.ClientError) {
      // Failed checks of the ID token's claims are the token's fault; anything else is an
      // answer from the provider that is not what OAuth promises.
      const idToken = err.code?.startsWith('OAUTH_JWT') ?? false;
      throw new SignInError(idToken ? 'invalid_id_token' : 'provider_error', err.message, {
        cause: err,
      });
    }
    throw new SignInError('temporarily_unavailable', 'The provider could not be reached', {
      cause: err,
    });
  }
}

/** The provider's discovery or API could not be used: 503 on the API, an error on redirect. */
export function unavailable(provider: string, cause: unknown): UnavailableError {
  const err = new UnavailableError(`${provider} could not be reached; try again later`);
  err.cause = cause;
  return err;
}
