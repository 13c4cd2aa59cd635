import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { Config } from '../config.js';

/** The interactive docs: the one part of the service that browsers render as a page. */
const DOCS_PREFIX = '/api/docs';

/**
 * Helmet's security headers on every response, under two content security policies: API
 * responses (JSON, never rendered) get OWASP's REST policy, which allows nothing and no framing;
 * the docs pages get one that lets their own scripts, styles and images load. Each middleware is
 * built once (@fastify/helmet rebuilds it, parsing every option, on each request) and applied in
 * one synchronous hook.
 */
export function registerSecurityHeaders(app: FastifyInstance, config: Config): void {
  const forApi = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    frameguard: { action: 'deny' },
  });
  const forDocs = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", 'https:', "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
        // Only behind https: on plain http it would break the docs page's own assets.
        upgradeInsecureRequests: config.http.publicUrl.startsWith('https:') ? [] : null,
      },
    },
  });
  app.addHook('onRequest', (request, reply, done) => {
    const docs = request.url === DOCS_PREFIX || request.url.startsWith(`${DOCS_PREFIX}/`);
    const apply = docs ? forDocs : forApi;
    apply(request.raw, reply.raw, (err?: unknown) => done(err instanceof Error ? err : undefined));
  });
}
