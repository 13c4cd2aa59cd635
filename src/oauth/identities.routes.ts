import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { bearer, NoContent, problems } from '../http/schemas.js';
import { work } from '../http/unit-of-work.js';
import { unlinkProvider } from './identities.service.js';

/** `/api/v1/users/me/providers`: the sign-in providers linked to the caller. */
export const identityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['users'], security: bearer };
  app.addHook('preHandler', app.requireSession);

  app.delete(
    '/me/providers/:provider',
    {
      schema: {
        ...common,
        summary: 'Unlink a sign-in provider (never the last way to sign in: 409)',
        params: Type.Object(
          { provider: Type.String({ maxLength: 32 }) },
          { additionalProperties: false },
        ),
        response: { 204: NoContent, ...problems(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const enabled = [...app.oauth.providers.keys()];
      await work(request, (tx, ctx) =>
        unlinkProvider(tx, ctx, { provider: request.params.provider, enabled }),
      );
      return reply.code(204).send(null);
    },
  );
  await Promise.resolve();
};
