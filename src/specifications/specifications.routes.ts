import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalidateItemPages } from '../items/item-page-cache.js';
import { Type } from '@sinclair/typebox';
import type { Readable } from 'node:stream';
import { actorOf } from '../http/actor.js';
import { ifMatchOf, withEtag } from '../http/preconditions.js';
import { bearer, NoContent, Page, PageQuery, problems } from '../http/schemas.js';
import { ProjectParams } from '../projects/projects.schemas.js';
import { exportSpecification } from './specification-export.js';
import {
  ExportQuery,
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

// A streamed body: documented as text, sent as a Readable.
const StreamedText = Type.Unsafe<Readable>({ type: 'string' });

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
      listSpecifications(
        app.db,
        app.encryptor,
        actorOf(request).userId,
        request.params.projectId,
        request.query,
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
      const spec = await createSpecification(
        app.db,
        app.encryptor,
        actorOf(request).userId,
        request.params.projectId,
        request.body,
      );
      return withEtag(reply.code(201), spec);
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
        await getSpecification(
          app.db,
          app.encryptor,
          actorOf(request).userId,
          request.params.specificationId,
        ),
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
      const spec = await updateSpecification(
        app.db,
        app.encryptor,
        actorOf(request).userId,
        request.params.specificationId,
        request.body,
        ifMatchOf(request),
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
      await deleteSpecification(
        app.db,
        actorOf(request).userId,
        request.params.specificationId,
        ifMatchOf(request),
      );
      await invalidateItemPages(app.cache, request.params.specificationId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/specifications/:specificationId/export',
    {
      schema: {
        ...common,
        summary: 'The whole specification in document order, streamed',
        params: SpecificationParams,
        querystring: ExportQuery,
        response: {
          200: {
            description: 'Markdown, JSON or CSV, as `format` asks',
            content: {
              'text/markdown': { schema: StreamedText },
              'application/json': { schema: StreamedText },
              'text/csv': { schema: StreamedText },
            },
          },
          ...problems(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const file = await exportSpecification(
        app.db,
        app.encryptor,
        actorOf(request).userId,
        request.params.specificationId,
        request.query.format,
      );
      return reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(file.stream);
    },
  );
  await Promise.resolve();
};
