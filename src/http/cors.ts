import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

/** Response headers a browser script on an allowed origin may read. */
const EXPOSED_HEADERS = [
  'ETag',
  'X-Request-Id',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
];

/**
 * CORS for the origins in CORS_ORIGINS only (`*` for any). A request from another origin, or
 * with no Origin at all (servers, probes), gets no CORS headers, only `Vary: Origin`.
 */
export const corsPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const anyOrigin = config.http.corsOrigins.includes('*');
    const allowed = new Set(config.http.corsOrigins);
    await app.register(cors, {
      // An absent or empty Origin, or one not allowed: no CORS headers (`false`), never an error.
      origin: (origin, callback) => {
        callback(null, origin && (anyOrigin || allowed.has(origin)) ? origin : false);
      },
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      credentials: false,
      exposedHeaders: EXPOSED_HEADERS,
    });
  },
  { name: 'cors' },
);
