import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { createHash, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  errors,
  exportJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTHeaderParameters,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { v7 as uuidv7 } from 'uuid';
import { InvalidTokenError, TokenExpiredError } from '../domain/errors.js';

/** What a valid access token says. */
export interface AccessClaims {
  userId: string;
  sessionId: string;
}

type Alg = 'HS256' | 'EdDSA';

interface SigningKey {
  alg: Alg;
  kid: string;
  /** What signs (the secret, or the Ed25519 private key). */
  key: KeyObject | webcrypto.CryptoKey;
  /** What verifies (the secret, or the Ed25519 public key). */
  verifyKey: KeyObject | webcrypto.CryptoKey;
}

/**
 * The secret as a Web Crypto key, imported once: jose imports a secret given as bytes or as a
 * KeyObject afresh on every sign and verify, which cost more than the HMAC itself.
 */
async function hmacKey(secret: string): Promise<SigningKey> {
  const key = await webcrypto.subtle.importKey(
    'raw',
    Buffer.from(secret, 'utf8'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  return {
    alg: 'HS256',
    kid: createHash('sha256').update(secret).digest('hex').slice(0, 16),
    key,
    verifyKey: key,
  };
}

async function ed25519Key(privateKey: KeyObject): Promise<SigningKey & { jwk: JWK }> {
  const publicKey = createPublicKey(privateKey);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return {
    alg: 'EdDSA',
    kid,
    key: privateKey,
    verifyKey: publicKey,
    jwk: { ...jwk, kid, alg: 'EdDSA', use: 'sig' },
  };
}

const CLOCK_TOLERANCE_SECONDS = 5;

/** How many verified tokens are remembered (about 0.5 KB each). */
const VERIFIED_TOKENS_MAX = 10_000;

interface Verified {
  claims: AccessClaims;
  /** `exp`, in ms: after it the token goes through jose again (which refuses it). */
  expiresAt: number;
}

/**
 * Issues and verifies our access tokens: HS256 with JWT_SECRET_KEY (JWT_SECRET_KEY_PREVIOUS still
 * verifies), or EdDSA when an Ed25519 private key is configured (its public key published as a
 * JWKS). A token verifies only with the key its (`alg`, `kid`) pair names: `none`, any other
 * algorithm, an unknown `kid` or an HMAC signed with the public key all fail.
 */
/**
 * Whether a token is a compact JWS in canonical form: three parts of unpadded base64url (RFC 7515
 * §2) that decode and encode back to the same text. jose accepts `=` padding and stray trailing
 * bits; refusing them gives every token exactly one spelling, which the verified-token memory
 * and any outside denylist key on.
 */
function isCanonicalCompactJws(token: string): boolean {
  const parts = token.split('.');
  return (
    parts.length === 3 &&
    parts.every(
      (part) =>
        /^[A-Za-z0-9_-]+$/.test(part) &&
        Buffer.from(part, 'base64url').toString('base64url') === part,
    )
  );
}

export class AccessTokens {
  private readonly keys = new Map<string, SigningKey>();
  /**
   * Tokens that verified, by their exact text, until their `exp`. A client sends the same token
   * for up to 15 minutes; the signature check (Web Crypto, a hop to libuv's thread pool and back)
   * was a quarter of the CPU of an authenticated request. Only a byte-identical token hits, so
   * nothing forged or altered can; the session's liveness is still checked on every request.
   */
  private readonly verified = new LRUCache<string, Verified>({ max: VERIFIED_TOKENS_MAX });

  private constructor(
    private readonly current: SigningKey,
    others: SigningKey[],
    private readonly issuer: string,
    readonly audience: string,
    readonly ttlSeconds: number,
    /** The public JSON Web Key Set (empty with HS256 only). */
    readonly jwks: { keys: JWK[] },
  ) {
    for (const key of [current, ...others]) this.keys.set(`${key.alg} ${key.kid}`, key);
  }

  /** Builds the signer from the configured secrets. */
  static async create(
    secrets: { jwt: string; jwtPrevious: string | null; jwtPrivateKey: KeyObject | null },
    issuer: string,
    audience: string,
    ttlSeconds: number,
  ): Promise<AccessTokens> {
    const hmac = await Promise.all(
      [secrets.jwt, ...(secrets.jwtPrevious === null ? [] : [secrets.jwtPrevious])].map(hmacKey),
    );
    if (secrets.jwtPrivateKey === null) {
      return new AccessTokens(hmac[0]!, hmac.slice(1), issuer, audience, ttlSeconds, { keys: [] });
    }
    const ed = await ed25519Key(secrets.jwtPrivateKey);
    // Tokens signed with the secrets before the switch to EdDSA still verify until they expire.
    return new AccessTokens(ed, hmac, issuer, audience, ttlSeconds, { keys: [ed.jwk] });
  }

  /** Signs a token for a session; `amr` says how it signed in (RFC 8176: `pwd`, `otp` …). */
  sign(userId: string, sessionId: string, amr: readonly string[]): Promise<string> {
    return new SignJWT({ sid: sessionId, amr: [...amr] })
      .setProtectedHeader({ alg: this.current.alg, typ: 'JWT', kid: this.current.kid })
      .setSubject(userId)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setJti(uuidv7())
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.current.key);
  }

  /** Verifies signature, algorithm, issuer, audience and times; throws invalid_token or token_expired. */
  async verify(token: string): Promise<AccessClaims> {
    const known = this.verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.claims;
    if (!isCanonicalCompactJws(token)) throw new InvalidTokenError();
    try {
      const { payload } = await jwtVerify(
        token,
        (header: JWTHeaderParameters) => {
          const key =
            header.kid === undefined ? undefined : this.keys.get(`${header.alg} ${header.kid}`);
          if (!key) throw new InvalidTokenError('The token was not signed by this service');
          return key.verifyKey;
        },
        {
          algorithms: ['HS256', 'EdDSA'],
          issuer: this.issuer,
          audience: this.audience,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
        },
      );
      const now = Math.floor(Date.now() / 1000);
      if (typeof payload.iat === 'number' && payload.iat > now + CLOCK_TOLERANCE_SECONDS) {
        throw new InvalidTokenError('The token is not valid yet');
      }
      if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') {
        throw new InvalidTokenError();
      }
      const claims = { userId: payload.sub, sessionId: payload.sid };
      // exp is required above; the check is for the type.
      if (typeof payload.exp === 'number') {
        this.verified.set(token, { claims, expiresAt: payload.exp * 1000 });
      }
      return claims;
    } catch (err) {
      if (err instanceof InvalidTokenError) throw err;
      if (err instanceof errors.JWTExpired) throw new TokenExpiredError();
      throw new InvalidTokenError();
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    tokens: AccessTokens;
  }
}

/** Decorates `app.tokens`: our access-token signer and verifier. */
export const tokensPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorate(
      'tokens',
      await AccessTokens.create(
        config.secrets,
        config.http.publicUrl,
        'gilla',
        config.auth.accessTokenTtlSeconds,
      ),
    );
  },
  { name: 'tokens' },
);
