import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { created, ifMatchOf, withEtag } from '../http/preconditions.js';
import { read, work } from '../http/unit-of-work.js';
import { bearer, NoContent, Page, PageQuery, problems } from '../http/schemas.js';
import { ProjectParams } from '../projects/projects.schemas.js';
import {
  NewSpecificationBody,
  SpecificationParams,
  SpecificationPatchBody,
  SpecificationSchema,
} from './specifications.schemas.js';
import {
  createSpecification,
  deleteSpecification,
  getSpecification,
  listSpecifications,
  updateSpecification,
} from './specifications.service.js';

/** `/api/v1`: specifications inside projects. */
export const specificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['specifications'], security: bearer };
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/projects/:projectId/specifications',
    {
      schema: {
        ...common,
        summary: "A project's specifications, oldest first",
        params: ProjectParams,
        querystring: PageQuery,
        response: { 200: Page(SpecificationSchema), ...problems(400, 401, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) =>
        listSpecifications(db, ctx, request.params.projectId, request.query),
      ),
  );

  app.post(
    '/projects/:projectId/specifications',
    {
      schema: {
        ...common,
        summary: 'Create a specification (editors and owners)',
        params: ProjectParams,
        body: NewSpecificationBody,
        response: { 201: SpecificationSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const spec = await work(request, (tx, ctx) =>
        createSpecification(tx, ctx, request.params.projectId, request.body),
      );
      return withEtag(created(reply, `/api/v1/specifications/${spec.id}`), spec);
    },
  );

  app.get(
    '/specifications/:specificationId',
    {
      schema: {
        ...common,
        summary: 'A specification (its version is the ETag)',
        params: SpecificationParams,
        response: { 200: SpecificationSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await read(request, (db, ctx) => getSpecification(db, ctx, request.params.specificationId)),
      ),
  );

  app.patch(
    '/specifications/:specificationId',
    {
      schema: {
        ...common,
        summary: 'Change a specification (editors and owners; honours If-Match)',
        params: SpecificationParams,
        body: SpecificationPatchBody,
        response: { 200: SpecificationSchema, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const spec = await work(request, (tx, ctx) =>
        updateSpecification(
          tx,
          ctx,
          request.params.specificationId,
          request.body,
          ifMatchOf(request),
        ),
      );
      return withEtag(reply, spec);
    },
  );

  app.delete(
    '/specifications/:specificationId',
    {
      schema: {
        ...common,
        summary: 'Delete a specification with all its items (editors and owners; honours If-Match)',
        params: SpecificationParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) =>
        deleteSpecification(tx, ctx, request.params.specificationId, ifMatchOf(request)),
      );
      return reply.code(204).send(null);
    },
  );

  await Promise.resolve();
};
