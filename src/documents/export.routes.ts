import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import { problems, bearer } from '../http/schemas.js';
import { read } from '../http/unit-of-work.js';
import {
  ExportQuery,
  SpecificationParams,
  TraceQuery,
} from '../specifications/specifications.schemas.js';
import { BaselineParams } from '../baselines/baselines.schemas.js';
import { exportBaseline } from './baseline-export.js';
import { exportSpecification, type ExportFile } from './specification-export.js';
import { traceMatrix } from './trace-matrix.js';

// A streamed body: documented as text, sent as a Readable.
const StreamedText = Type.Unsafe<Readable>({ type: 'string' });

const streamed = (description: string) => ({
  200: {
    description,
    content: {
      'text/markdown': { schema: StreamedText },
      'application/json': { schema: StreamedText },
      'text/csv': { schema: StreamedText },
      'application/xml': { schema: StreamedText },
    },
  },
  ...problems(400, 401, 404),
});

function sendFile(reply: FastifyReply, file: ExportFile) {
  return reply
    .type(file.contentType)
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .send(file.stream);
}

/** `/api/v1`: a whole specification as a file: its items, or its trace matrix. */
export const exportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/specifications/:specificationId/export',
    {
      schema: {
        tags: ['specifications'],
        security: bearer,
        summary: 'The whole specification in document order, streamed',
        params: SpecificationParams,
        querystring: ExportQuery,
        response: streamed(
          'Markdown, JSON, CSV or ReqIF 1.2, as `format` asks; JSON gives each item its links and kept attributes',
        ),
      },
    },
    async (request, reply) =>
      sendFile(
        reply,
        await read(request, (db, ctx) =>
          exportSpecification(
            db,
            ctx,
            request.params.specificationId,
            request.query.format ?? 'markdown',
          ),
        ),
      ),
  );

  app.get(
    '/baselines/:baselineId/export',
    {
      schema: {
        tags: ['baselines'],
        security: bearer,
        summary: 'A baseline as a file, its items as they were, streamed',
        params: BaselineParams,
        querystring: ExportQuery,
        response: streamed(
          'Markdown, JSON, CSV or ReqIF 1.2, as `format` asks; JSON gives each item its outgoing links',
        ),
      },
    },
    async (request, reply) =>
      sendFile(
        reply,
        await read(request, (db, ctx) =>
          exportBaseline(db, ctx, request.params.baselineId, request.query.format ?? 'markdown'),
        ),
      ),
  );

  app.get(
    '/specifications/:specificationId/trace',
    {
      schema: {
        tags: ['trace links'],
        security: bearer,
        summary:
          'The trace matrix: each item in document order with its incoming and outgoing links',
        params: SpecificationParams,
        querystring: TraceQuery,
        response: streamed('Markdown, JSON or CSV (one row per link), as `format` asks'),
      },
    },
    async (request, reply) =>
      sendFile(
        reply,
        await read(request, (db, ctx) =>
          traceMatrix(db, ctx, request.params.specificationId, request.query.format ?? 'markdown'),
        ),
      ),
  );
  await Promise.resolve();
};
