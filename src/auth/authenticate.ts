import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from '../domain/actor.js';
import { ForbiddenError, InsufficientScopeError, InvalidTokenError } from '../domain/errors.js';
import type {} from '../http/actor.js';
import type { AccessClaims, AccessTokens } from './access-tokens.js';
import { resolveToken } from '../tokens/token-cache.js';
import { isPersonalToken, isWellFormedToken } from '../tokens/tokens.service.js';
import { resolveSession } from './session-cache.js';

/** What a `read` token may call. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const CLAIMS = Symbol('accessClaims');
const ACTOR = Symbol('actor');

type WithClaims = FastifyRequest & { [CLAIMS]?: Promise<AccessClaims> };
type WithActor = FastifyRequest & { [ACTOR]?: Promise<Actor> };

/** The bearer token of a request, or null when there is none. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header);
  return match?.[1] ?? null;
}

/** Verifies the request's access token once per request (rate limiting and authentication share it). */
function requestClaims(request: FastifyRequest, tokens: AccessTokens): Promise<AccessClaims> {
  const r = request as WithClaims;
  if (!r[CLAIMS]) {
    const token = bearerToken(request);
    r[CLAIMS] =
      token === null
        ? Promise.reject(new InvalidTokenError('A bearer token is required'))
        : tokens.verify(token);
    r[CLAIMS].catch(() => undefined);
  }
  return r[CLAIMS];
}

/** The request's actor: its token verified and its session live; worked out once per request. */
function requestActor(request: FastifyRequest, tokens: AccessTokens): Promise<Actor> {
  const r = request as WithActor;
  if (!r[ACTOR]) {
    r[ACTOR] = (async () => {
      const { db, cache } = request.server;
      const bearer = bearerToken(request);
      if (bearer !== null && isPersonalToken(bearer)) {
        const grant = isWellFormedToken(bearer) ? await resolveToken(db, cache, bearer) : null;
        if (!grant) throw new InvalidTokenError('The token is unknown, revoked or expired');
        return {
          userId: grant.userId,
          sessionId: grant.tokenId,
          role: grant.role,
          token: { id: grant.tokenId, scopes: grant.scopes },
        };
      }
      const claims = await requestClaims(request, tokens);
      const session = await resolveSession(db, cache, claims.sessionId);
      if (!session || session.userId !== claims.userId) {
        throw new InvalidTokenError('The session has ended');
      }
      return { userId: session.userId, sessionId: claims.sessionId, role: session.role };
    })();
    r[ACTOR].catch(() => undefined);
  }
  return r[ACTOR];
}

/**
 * Register before the rate limiter: a request with a bearer token starts its session lookup as
 * soon as the token verifies, so that the lookup and the rate-limit count leave for Redis in the
 * same event-loop turn and their round trips overlap instead of following one another.
 */
export const sessionPrefetchPlugin = fp(
  async (app) => {
    const { tokens } = app;
    app.addHook('onRequest', (request, _reply, done) => {
      if (bearerToken(request) !== null) void requestActor(request, tokens);
      done();
    });
    await Promise.resolve();
  },
  { name: 'session-prefetch', dependencies: ['tokens', 'database', 'cache'] },
);

/**
 * Who a request claims to be for rate limiting: the user of a validly signed access token, or
 * null (no token, or one that does not verify). Shares the verification with authentication.
 */
export async function claimedUserId(
  request: FastifyRequest,
  tokens: AccessTokens,
): Promise<string | null> {
  const bearer = bearerToken(request);
  if (bearer === null) return null;
  try {
    if (isPersonalToken(bearer)) return (await requestActor(request, tokens)).userId;
    return (await requestClaims(request, tokens)).userId;
  } catch {
    return null;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: requires a valid access token of a live session; sets request.actor. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /**
     * preHandler: like authenticate, and the caller must be a signed-in session: what manages
     * sign-in itself (tokens, password, MFA, passkeys, sessions) refuses personal access tokens.
     */
    requireSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** preHandler: like authenticate, and the caller must be an admin. */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** preHandler: sets request.actor when a valid token is given; anonymous otherwise. */
    optionalAuth: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/** Registers the authentication decorators on the app. */
export function registerAuthentication(app: FastifyInstance, tokens: AccessTokens): void {
  app.decorateRequest('actor', null);

  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const actor = await requestActor(request, tokens);
    if (actor.token && !SAFE_METHODS.has(request.method) && !actor.token.scopes.includes('write')) {
      throw new InsufficientScopeError(
        'A `read` token may only read: this needs the `write` scope',
      );
    }
    request.actor = actor;
  };

  app.decorate('authenticate', authenticate);
  app.decorate('requireSession', async (request: FastifyRequest) => {
    await authenticate(request);
    if (request.actor?.token) {
      throw new InsufficientScopeError(
        'Personal access tokens cannot manage tokens, password, MFA, passkeys or sessions: sign in',
      );
    }
  });
  app.decorate('requireAdmin', async (request: FastifyRequest) => {
    await authenticate(request);
    if (request.actor?.role !== 'admin') throw new ForbiddenError('Administrators only');
  });
  app.decorate('optionalAuth', async (request: FastifyRequest) => {
    // No token: anonymous. A bad token is still an error, even where anonymous calls are allowed.
    if (bearerToken(request) !== null) await authenticate(request);
  });
}
