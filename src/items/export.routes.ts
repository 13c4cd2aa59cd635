import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Readable } from 'node:stream';
import { problems, bearer } from '../http/schemas.js';
import { read } from '../http/unit-of-work.js';
import { ExportQuery, SpecificationParams } from '../specifications/specifications.schemas.js';
import { exportSpecification } from './specification-export.js';

// A streamed body: documented as text, sent as a Readable.
const StreamedText = Type.Unsafe<Readable>({ type: 'string' });

/** `/api/v1`: a whole specification with its items, as a file. */
export const exportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['specifications'], security: bearer };
  app.addHook('preHandler', app.authenticate);

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
      const file = await read(request, (db, ctx) =>
        exportSpecification(db, ctx, request.params.specificationId, request.query.format),
      );
      return reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(file.stream);
    },
  );
  await Promise.resolve();
};
