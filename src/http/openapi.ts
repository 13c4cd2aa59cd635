import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { OPS_RATE_LIMIT } from './rate-limit.js';

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
        servers: [{ url: config.http.publicUrl }],
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/api/docs',
      uiConfig: { deepLinking: true, url: '/api/openapi.json' },
    });
    app.get('/api/openapi.json', { schema: { hide: true }, config: OPS_RATE_LIMIT }, () =>
      app.swagger(),
    );
  },
  { name: 'openapi' },
);
