import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

/** Response headers a browser script on an allowed origin may read. */
const EXPOSED_HEADERS = [
  'ETag',
  'Location',
  'X-Request-Id',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
  // Says whether a 401 refused the access token itself (a client then refreshes).
  'WWW-Authenticate',
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
    // A preflight the CORS plugin did not answer (its origin is not allowed) gets 204 without
    // CORS headers, so the browser refuses the request; not the 404 of an unknown route.
    app.addHook('onRequest', async (request, reply) => {
      if (
        request.method === 'OPTIONS' &&
        request.headers.origin &&
        request.headers['access-control-request-method'] &&
        !reply.sent
      ) {
        await reply.code(204).header('content-length', '0').send();
      }
    });
  },
  { name: 'cors' },
);
