import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { work } from '../http/unit-of-work.js';
import { bearer, NoContent, Page, PageQuery, problems } from '../http/schemas.js';
import { FlagHistorySchema, FlagKeyParams, FlagSchema, PutFlagBody } from './flags.schemas.js';
import { allFlags, flagHistoryPage, putFlag, removeFlag } from './flags.service.js';

/** `/api/v1/admin/flags`: feature flags, for administrators. */
export const flagRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['flags'], security: bearer };
  app.addHook('preHandler', app.requireAdmin);

  app.get(
    '/flags',
    {
      schema: {
        ...common,
        summary: 'Every flag',
        response: { 200: Type.Object({ data: Type.Array(FlagSchema) }), ...problems(401, 403) },
      },
    },
    async () => ({ data: await allFlags(app.db, app.cache) }),
  );

  app.put(
    '/flags/:key',
    {
      schema: {
        ...common,
        summary: 'Create or replace a flag',
        params: FlagKeyParams,
        body: PutFlagBody,
        response: { 200: FlagSchema, ...problems(400, 401, 403) },
      },
    },
    (request) => work(request, (tx, ctx) => putFlag(tx, ctx, request.params.key, request.body)),
  );

  app.delete(
    '/flags/:key',
    {
      schema: {
        ...common,
        summary: 'Delete a flag',
        params: FlagKeyParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) => removeFlag(tx, ctx, request.params.key));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/flags/:key/history',
    {
      schema: {
        ...common,
        summary: 'Who changed a flag, when, and how (newest first)',
        params: FlagKeyParams,
        querystring: PageQuery,
        response: { 200: Page(FlagHistorySchema), ...problems(400, 401, 403) },
      },
    },
    (request) => flagHistoryPage(app.db, request.params.key, request.query),
  );
  await Promise.resolve();
};
