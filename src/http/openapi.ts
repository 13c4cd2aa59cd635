import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { refineDocument } from './openapi-document.js';
import { OPS_RATE_LIMIT } from './rate-limit.js';

/** The docs page's logo: the service's name and version, in place of the stock one. */
function wordmark(text: string): Buffer {
  const escaped = text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${16 + escaped.length * 11}" height="40">` +
      `<text x="8" y="27" font-family="sans-serif" font-size="20" font-weight="bold" fill="#fff">${escaped}</text></svg>`,
  );
}

/** OpenAPI 3.1 from the route schemas at `/api/openapi.json`, interactive docs at `/api/docs`. */
export const openapiPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: `${config.app.name} API`,
          version: config.app.version,
          description:
            'Accounts, sign-in and specification management. Errors are RFC 9457 problem details.',
        },
        // Relative: "Try it out" calls whichever address the docs were opened at (PUBLIC_URL, a
        // LAN address, 127.0.0.1), which the docs page's policy allows ('self').
        servers: [{ url: '/', description: 'This server' }],
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
      },
    });
    const title = `${config.app.name} ${config.app.version}`;
    await app.register(swaggerUi, {
      routePrefix: '/api/docs',
      uiConfig: { deepLinking: true, url: '/api/openapi.json' },
      theme: { title: `${title}: API` },
      logo: { type: 'image/svg+xml', content: wordmark(title), href: '/api/docs/' },
    });
    // Refined once, on first use (every route is registered by then).
    let document: object | null = null;
    app.get('/api/openapi.json', { schema: { hide: true }, config: OPS_RATE_LIMIT }, () => {
      document ??= refineDocument(app.swagger(), {
        name: 'Proprietary',
        identifier: 'LicenseRef-Proprietary',
      });
      return document;
    });
  },
  { name: 'openapi' },
);
