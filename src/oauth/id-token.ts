import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { DomainError, UnavailableError } from '../domain/errors.js';

/** Only a provider's public-key algorithms: an HMAC token could be signed with a guessed secret. */
const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** Seconds of clock difference tolerated on `exp`, `iat` and `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 60;

/** What an issuer's discovery document says about its ID tokens. */
export interface IssuerKeys {
  issuer: string;
  jwksUri: string;
  /** `id_token_signing_alg_values_supported`; absent means RS256, as OpenID Connect says. */
  algorithms: string[] | undefined;
  /** Other spellings of the issuer the provider uses (Google also writes `accounts.google.com`). */
  issuerAliases?: string[];
}

/**
 * The ID token a client handed in was not acceptable; the reason is safe to show. Not the
 * caller's bearer token, so it carries no `WWW-Authenticate` challenge.
 */
export class IdTokenError extends DomainError {
  readonly code: 'invalid_token' | 'token_expired';

  constructor(reason: string, expired = false) {
    super(`The ID token is not acceptable: ${reason}`);
    this.code = expired ? 'token_expired' : 'invalid_token';
  }
}

function keysUnavailable(): UnavailableError {
  return new UnavailableError("The provider's signing keys could not be fetched");
}

function reasonOf(err: unknown): DomainError {
  if (err instanceof joseErrors.JWTExpired) {
    return new IdTokenError('it has expired', true);
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return new IdTokenError(`the "${err.claim}" claim is wrong (${err.reason})`);
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return new IdTokenError('its signing algorithm is not accepted');
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) {
    return new IdTokenError('no key of the provider matches its signature');
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new IdTokenError('its signature is wrong');
  }
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) {
    return keysUnavailable();
  }
  if (err instanceof joseErrors.JOSEError && err.code === 'ERR_JOSE_GENERIC') {
    // jose's plain error here is the key set's HTTP answer (not 200, not JSON): an outage.
    return keysUnavailable();
  }
  if (err instanceof joseErrors.JOSEError) return new IdTokenError('it is malformed');
  if (err instanceof TypeError) {
    // fetch() of the key set failed: the provider is unreachable, not the token bad.
    return keysUnavailable();
  }
  return new IdTokenError('it is malformed');
}

/**
 * Verifies ID tokens of one issuer against its published keys (jose's remote key set: cached,
 * fetched again on an unknown `kid`, at most every 30 seconds).
 */
export class IdTokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly algorithms: string[];
  private readonly issuers: string[];

  constructor(issuer: IssuerKeys) {
    this.keys = createRemoteJWKSet(new URL(issuer.jwksUri), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
    const offered = issuer.algorithms ?? ['RS256'];
    this.algorithms = offered.filter((alg) => ASYMMETRIC_ALGORITHMS.includes(alg));
    this.issuers = [issuer.issuer, ...(issuer.issuerAliases ?? [])];
  }

  /** The token's claims once signature, `iss`, `aud` (one of `audience`), `exp` and `nonce` hold. */
  async verify(
    idToken: string,
    expect: { audience: string[]; nonce?: string | undefined },
  ): Promise<JWTPayload & { sub: string }> {
    let payload: JWTPayload;
    let typ: string | undefined;
    try {
      ({
        payload,
        protectedHeader: { typ },
      } = await jwtVerify(idToken, this.keys, {
        issuer: this.issuers,
        audience: expect.audience,
        algorithms: this.algorithms,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (err) {
      throw reasonOf(err);
    }
    // Another kind of JWT from the same keys (an access token, a logout token) is not an ID token.
    if (typ !== undefined && typ.toLowerCase() !== 'jwt') {
      throw new IdTokenError(`its type "${typ}" is not an ID token`);
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) {
      throw new IdTokenError('the "sub" claim is not a string of 1 to 255 characters');
    }
    const nonce = typeof payload.nonce === 'string' ? payload.nonce : undefined;
    if (expect.nonce !== undefined && nonce !== expect.nonce) {
      throw new IdTokenError('the "nonce" claim does not match');
    }
    if (expect.nonce === undefined && nonce !== undefined) {
      // A token minted for a nonce-bound sign-in is only accepted with that nonce.
      throw new IdTokenError('it carries a nonce, so the nonce must be sent with it');
    }
    return payload as JWTPayload & { sub: string };
  }
}
