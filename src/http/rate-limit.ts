import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { RateLimitedError } from '../domain/errors.js';
import { throttledWarning } from '../platform/throttled-warning.js';
import { failOpenRedisStore, PER_INSTANCE } from './rate-limit-store.js';

/**
 * Per-hour limit for every route: per signed-in user (by a verified token), per client IP
 * otherwise. Counts live in Redis when configured (shared by every instance); a failing Redis
 * fails open. Routes may set a stricter `config.rateLimit` (auth routes do).
 */
export const rateLimitPlugin = fp<{
  config: Config;
  /** The signed-in user a request claims to be (a verified token), or null. */
  userOf: (request: FastifyRequest) => Promise<string | null>;
}>(
  async (app, { config, userOf }) => {
    const redis = app.cache.redis;
    app.decorate('rateLimitPerHour', config.rateLimit.perHour);
    const warn = throttledWarning(
      app.log,
      'rate-limit store unavailable: requests let through unlimited',
    );
    const onStoreError = (err: Error) => {
      app.metrics.rateLimitStoreErrors.inc();
      warn({ err });
    };
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimit.perHour,
      timeWindow: '1 hour',
      enableDraftSpec: true,
      nameSpace: 'rl:',
      // Fails open: a request is let through when Redis fails, with a warning and a metric.
      skipOnError: true,
      ...(redis ? { store: failOpenRedisStore(redis, 'rl:', onStoreError) } : {}),
      keyGenerator: async (request: FastifyRequest) => {
        const userId = await userOf(request);
        return userId === null ? `ip:${request.ip}` : `u:${userId}`;
      },
      onExceeded: (request: FastifyRequest) => {
        app.metrics.rateLimited.inc({ bucket: request.routeOptions.url ?? 'unmatched' });
      },
      errorResponseBuilder: (_request, context) =>
        new RateLimitedError(Math.ceil(context.ttl / 1000)),
    });
  },
  // After the session prefetch: a request's session lookup and its count leave for Redis in the
  // same event-loop turn, and their round trips overlap.
  { name: 'rate-limit', dependencies: ['cache', 'metrics', 'session-prefetch'] },
);

/**
 * Operations endpoints (the API document, the JWKS): counted per caller like any route, so they
 * carry the RateLimit headers, but with room for frequent fetches (60,000 an hour, or
 * RATE_LIMIT_PER_HOUR when that is more).
 */
export const OPS_RATE_LIMIT = {
  rateLimit: {
    max: (request: FastifyRequest) => Math.max(60_000, request.server.rateLimitPerHour),
    timeWindow: '1 hour',
  },
};

/**
 * Probes and metrics: the same room, but counted by each instance in memory. A probe or a scrape
 * addresses one instance, and a Redis round trip would double what a probe costs.
 */
export const PROBE_RATE_LIMIT = {
  rateLimit: { ...OPS_RATE_LIMIT.rateLimit, ...PER_INSTANCE },
};

declare module 'fastify' {
  interface FastifyInstance {
    /** RATE_LIMIT_PER_HOUR: operations endpoints never get less room than other routes. */
    rateLimitPerHour: number;
  }
}

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
