import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { InvalidTokenError, TokenExpiredError } from '../errors.js';

/** What a valid access token says. */
export interface AccessClaims {
  userId: string;
  sessionId: string;
}

interface SigningKey {
  kid: string;
  key: KeyObject;
}

function signingKey(secret: string): SigningKey {
  return {
    kid: createHash('sha256').update(secret).digest('hex').slice(0, 16),
    key: createSecretKey(Buffer.from(secret, 'utf8')),
  };
}

const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Issues and verifies our access tokens: HS256 only, with `kid` naming one of our own keys
 * (current, or previous during a rotation). Any other algorithm, `none`, or an unknown `kid` fails.
 */
export class AccessTokens {
  private readonly current: SigningKey;
  private readonly keys = new Map<string, KeyObject>();

  constructor(
    secret: string,
    previous: string | null,
    private readonly issuer: string,
    readonly audience: string,
    readonly ttlSeconds: number,
  ) {
    this.current = signingKey(secret);
    this.keys.set(this.current.kid, this.current.key);
    if (previous !== null) {
      const old = signingKey(previous);
      this.keys.set(old.kid, old.key);
    }
  }

  /** Signs a token for a session. */
  sign(userId: string, sessionId: string): Promise<string> {
    return new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: this.current.kid })
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
    try {
      const { payload } = await jwtVerify(
        token,
        (header: JWTHeaderParameters) => {
          const key = header.kid === undefined ? undefined : this.keys.get(header.kid);
          if (!key) throw new InvalidTokenError('The token was not signed by this service');
          return key;
        },
        {
          algorithms: ['HS256'],
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
      return { userId: payload.sub, sessionId: payload.sid };
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
      new AccessTokens(
        config.secrets.jwt,
        config.secrets.jwtPrevious,
        config.http.publicUrl,
        'gilla',
        config.auth.accessTokenTtlSeconds,
      ),
    );
    await Promise.resolve();
  },
  { name: 'tokens' },
);
