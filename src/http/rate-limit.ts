import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type {} from '../auth/access-tokens.js';
import type { Config } from '../config.js';
import { RateLimitedError } from '../errors.js';
import { bearerToken, requestClaims } from './authenticate.js';

/**
 * Per-hour limit for every route: per signed-in user (by a verified token), per client IP
 * otherwise. Counts live in Redis when configured (shared by every instance); a failing Redis
 * fails open. Routes may set a stricter `config.rateLimit` (auth routes do).
 */
export const rateLimitPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const { tokens } = app;
    const redis = app.cache.redis;
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimit.perHour,
      timeWindow: '1 hour',
      enableDraftSpec: true,
      nameSpace: 'rl:',
      skipOnError: true,
      ...(redis ? { redis } : {}),
      keyGenerator: async (request: FastifyRequest) => {
        // Anonymous calls (probes, most traffic) need no token work and no error object.
        if (bearerToken(request) === null) return `ip:${request.ip}`;
        try {
          const claims = await requestClaims(request, tokens);
          return `u:${claims.userId}`;
        } catch {
          return `ip:${request.ip}`;
        }
      },
      onExceeded: (request: FastifyRequest) => {
        app.metrics.rateLimited.inc({ bucket: request.routeOptions.url ?? 'unmatched' });
      },
      errorResponseBuilder: (_request, context) =>
        new RateLimitedError(Math.ceil(context.ttl / 1000)),
    });
  },
  { name: 'rate-limit', dependencies: ['cache', 'metrics', 'tokens'] },
);

/**
 * Operations endpoints (probes, metrics, the API document): counted per caller like any route,
 * so they carry the RateLimit headers, but with room for frequent probes and scrapes.
 */
export const OPS_RATE_LIMIT = { rateLimit: { max: 60_000, timeWindow: '1 hour' } };

/** A route's stricter limit: `perMinute` requests per client IP. */
export function perIpPerMinute(perMinute: number) {
  return {
    rateLimit: {
      max: perMinute,
      timeWindow: '1 minute',
      keyGenerator: (request: FastifyRequest) => `auth:${request.ip}`,
    },
  };
}
