import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { created } from '../http/preconditions.js';
import { bearer, NoContent, problems } from '../http/schemas.js';
import { read, work } from '../http/unit-of-work.js';
import { CreateTokenBody, NewTokenSchema, TokenIdParams, TokenSchema } from './tokens.schemas.js';
import { createToken, listTokens, revokeToken } from './tokens.service.js';

/** `/api/v1/users/me/tokens`: the caller's personal access tokens (a signed-in session only). */
export const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['tokens'], security: bearer };
  app.addHook('preHandler', app.requireSession);

  app.post(
    '/me/tokens',
    {
      schema: {
        ...common,
        summary: 'Create a personal access token (the token is shown this once)',
        body: CreateTokenBody,
        response: { 201: NewTokenSchema, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const token = await work(request, (tx, ctx) => createToken(tx, ctx, request.body));
      return created(reply, `/api/v1/users/me/tokens/${token.id}`).send(token);
    },
  );

  app.get(
    '/me/tokens',
    {
      schema: {
        ...common,
        summary: 'The caller’s personal access tokens that are not revoked',
        response: { 200: Type.Object({ data: Type.Array(TokenSchema) }), ...problems(401, 403) },
      },
    },
    async (request) => ({ data: await read(request, listTokens) }),
  );

  app.delete(
    '/me/tokens/:id',
    {
      schema: {
        ...common,
        summary: 'Revoke a personal access token (refused at once, on every instance)',
        params: TokenIdParams,
        response: { 204: NoContent, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) => revokeToken(tx, ctx, request.params.id));
      return reply.code(204).send(null);
    },
  );
  await Promise.resolve();
};
