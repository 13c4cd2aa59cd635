import fp from 'fastify-plugin';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.js';

/** The interactive docs: the one part of the service that browsers render as a page. */
const DOCS_PREFIX = '/api/docs';

/**
 * Helmet's security headers on every response, under two content security policies: API
 * responses (JSON, never rendered) get OWASP's REST policy, which allows nothing and no framing;
 * the docs pages get one that lets their own scripts, styles and images load. Neither depends on
 * the request (no nonces), so helmet runs once for each at start and every response gets the
 * headers it set: running its dozen middlewares per request cost 4 % of an authenticated GET.
 * A directive given as a function (a nonce) would be worked out once here: keep them constant.
 */
export interface SecurityHeaders {
  api: Record<string, string>;
  docs: Record<string, string>;
  /** The web console's pages: its own scripts and styles only, no inline script, no framing. */
  console: Record<string, string>;
}

/** Runs helmet once for each policy and keeps the headers it set . */
export function securityHeaders(config: Config): SecurityHeaders {
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
        // "Try it out" calls the API at the page's own origin (the document's server is '/').
        connectSrc: ["'self'"],
        styleSrc: ["'self'", 'https:', "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
        // Only behind https: on plain http it would break the docs page's own assets.
        upgradeInsecureRequests: config.http.publicUrl.startsWith('https:') ? [] : null,
      },
    },
  });
  const forConsole = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Avatars come from the sign-in providers; Markdown bodies may show pictures by URL.
        imgSrc: ["'self'", 'data:', 'https:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: config.http.publicUrl.startsWith('https:') ? [] : null,
      },
    },
    frameguard: { action: 'deny' },
  });
  return {
    api: headersSetBy(forApi),
    docs: headersSetBy(forDocs),
    console: headersSetBy(forConsole),
  };
}

/** Puts the security headers on every response: the docs' under /api/docs, the API's elsewhere. */
export const securityHeadersPlugin = fp<{ headers: SecurityHeaders }>(
  async (app, { headers }) => {
    app.addHook('onRequest', (request, reply, done) => {
      const docs = request.url === DOCS_PREFIX || request.url.startsWith(`${DOCS_PREFIX}/`);
      reply.headers(docs ? headers.docs : headers.api);
      done();
    });
    await Promise.resolve();
  },
  { name: 'security-headers' },
);

type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/** The headers a helmet middleware sets on a response (it sets them and returns synchronously). */
export function headersSetBy(middleware: Middleware): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  middleware({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error('helmet failed');
    finished = true;
  });
  if (!finished) throw new Error('helmet did not set its headers synchronously');
  return headers;
}
