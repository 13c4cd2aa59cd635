import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { bearer, NoContent, problems } from '../http/schemas.js';
import { read, work } from '../http/unit-of-work.js';
import { LinkTypeBody, LinkTypeParams, LinkTypeSchema } from './link-types.schemas.js';
import { deleteLinkType, listLinkTypes, putLinkType } from './link-types.service.js';
import { ProjectParams } from './projects.schemas.js';

/** `/api/v1/projects/{projectId}/link-types`: the kinds of trace link a project uses. */
export const linkTypeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['trace links'], security: bearer };
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/projects/:projectId/link-types',
    {
      schema: {
        ...common,
        summary: "A project's link types (members)",
        params: ProjectParams,
        response: {
          200: Type.Object({ data: Type.Array(LinkTypeSchema) }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request) => ({
      data: await read(request, (db, ctx) => listLinkTypes(db, ctx, request.params.projectId)),
    }),
  );

  app.put(
    '/projects/:projectId/link-types/:key',
    {
      schema: {
        ...common,
        summary: 'Create or change a link type (owners)',
        params: LinkTypeParams,
        body: LinkTypeBody,
        response: { 200: LinkTypeSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    (request) =>
      work(request, (tx, ctx) =>
        putLinkType(tx, ctx, request.params.projectId, request.params.key, request.body),
      ),
  );

  app.delete(
    '/projects/:projectId/link-types/:key',
    {
      schema: {
        ...common,
        summary: 'Remove a link type that no link uses (owners)',
        params: LinkTypeParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) =>
        deleteLinkType(tx, ctx, request.params.projectId, request.params.key),
      );
      return reply.code(204).send(null);
    },
  );
  await Promise.resolve();
};
