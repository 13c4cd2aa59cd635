import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPS_RATE_LIMIT } from '../http/rate-limit.js';

/** Where `npm run build` puts the console (Vite's output, with .br and .gz beside each asset). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console', import.meta.url));

/**
 * The console's own paths: each answers its single page, which routes in the browser. They are
 * listed, not caught all, so that an unknown path stays the API's 404 problem.
 */
const PAGES = [
  '/',
  '/sign-in',
  '/sign-up',
  '/forgot-password',
  '/reset-password',
  '/verify-email',
  '/oauth/callback',
  '/projects/*',
  '/specifications/*',
  '/account',
  '/account/*',
  '/admin',
  '/admin/*',
];

/**
 * The web console at `/`: `index.html` is never cached (it names the current assets), the
 * assets' names carry their content hash and are cached for a year, immutable. Both carry the
 * console's content security policy and the API's other security headers; compressed copies made
 * at build time are sent to browsers that take them.
 */
export const consoleRoutes: FastifyPluginAsync<{
  headers: Record<string, string>;
  dir?: string;
}> = async (app, { headers, dir = CONSOLE_DIR }) => {
  if (!existsSync(path.join(dir, 'index.html'))) {
    app.log.warn({ dir }, 'the web console is not built (npm run build): / is not served');
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    serve: false,
    preCompressed: true,
    index: false,
    dotfiles: 'deny',
  });
  for (const url of PAGES) {
    app.get(url, { schema: { hide: true }, config: OPS_RATE_LIMIT }, (_request, reply) =>
      reply
        .headers(headers)
        .header('cache-control', 'no-cache')
        .sendFile('index.html', { cacheControl: false }),
    );
  }
  app.get<{ Params: { '*': string } }>(
    '/assets/*',
    { schema: { hide: true }, config: OPS_RATE_LIMIT },
    (request, reply) => {
      const name = request.params['*'];
      // Asset names are flat and hashed: anything that climbs or nests is not one of them.
      if (!/^[\w.-]+$/.test(name) || name.includes('..')) return reply.callNotFound();
      return reply.headers(headers).sendFile(`assets/${name}`, { immutable: true, maxAge: '365d' });
    },
  );
  app.get('/favicon.svg', { schema: { hide: true }, config: OPS_RATE_LIMIT }, (_request, reply) =>
    reply.headers(headers).sendFile('favicon.svg', { maxAge: '1d' }),
  );
};
