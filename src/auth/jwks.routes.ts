import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { OPS_RATE_LIMIT } from '../http/rate-limit.js';

const PublicJwk = Type.Object({
  kty: Type.Optional(Type.String()),
  crv: Type.Optional(Type.String()),
  x: Type.Optional(Type.String()),
  kid: Type.Optional(Type.String()),
  alg: Type.Optional(Type.String()),
  use: Type.Optional(Type.String()),
});

/** `GET /.well-known/jwks.json`: the public keys that verify our access tokens (EdDSA only). */
export const jwksRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/.well-known/jwks.json',
    {
      config: OPS_RATE_LIMIT,
      schema: {
        tags: ['auth'],
        summary: 'Public keys for access tokens (empty while tokens are HS256)',
        response: {
          200: Type.Object({ keys: Type.Array(PublicJwk) }),
        },
      },
    },
    async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(app.tokens.jwks),
  );
  await Promise.resolve();
};
