import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import { isUuid } from '../domain/cursor.js';
import { ImportInvalidError, ValidationError } from '../domain/errors.js';
import { bearer, problems } from '../http/schemas.js';
import { read, work } from '../http/unit-of-work.js';
import { requireRole } from '../projects/projects.service.js';
import { ProjectParams } from '../projects/projects.schemas.js';
import { csvPlan } from './csv-plan.js';
import type { ImportPlan } from './import-plan.js';
import { ImportBody, ImportQuery, ImportResultSchema } from './imports.schemas.js';
import { importPlan } from './imports.service.js';
import { jsonPlan } from './json-plan.js';
import { readReqif } from './reqif-reader.js';
import { reqifPlan } from './reqif-plan.js';

const XML_TYPES = ['application/xml', 'text/xml'];

/** What the file asks for, by its content type (the parser let only these three through). */
async function planOf(contentType: string, body: unknown, title: string): Promise<ImportPlan> {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (XML_TYPES.includes(type)) return reqifPlan(await readReqif(body as string));
  if (type === 'text/csv') return csvPlan(body as string, title);
  if (body === undefined) throw new ImportInvalidError('the body is empty');
  return jsonPlan(body);
}

/** `/api/v1`: files into a project. */
export const importRoutes: FastifyPluginAsyncTypebox<{ importMaxBytes: number }> = async (
  app,
  { importMaxBytes },
) => {
  for (const type of [...XML_TYPES, 'text/csv']) {
    app.addContentTypeParser(
      type,
      { parseAs: 'string', bodyLimit: importMaxBytes },
      (_r, body, done) => done(null, body),
    );
  }

  app.post(
    '/projects/:projectId/imports',
    {
      bodyLimit: importMaxBytes,
      // Who may import is settled before the body is read (after the rate limit, which runs on
      // request): signed in, then an editor or owner of the project. A file is never buffered
      // nor parsed for anyone else.
      preParsing: async (
        request: FastifyRequest<{ Params: { projectId: string } }>,
        reply: FastifyReply,
        payload: RequestPayload,
      ) => {
        await app.authenticate(request, reply);
        const { projectId } = request.params;
        // (The schema checks params after the body is parsed; this check runs before.)
        if (!isUuid(projectId)) {
          throw new ValidationError('projectId must be a UUID', [
            { path: 'params.projectId', message: 'must be a UUID' },
          ]);
        }
        await read(request, (db, ctx) => requireRole(db, projectId, ctx.actor.userId, 'editor'));
        return payload;
      },
      schema: {
        tags: ['imports'],
        security: bearer,
        summary: 'Import ReqIF, a Gilla JSON export or CSV into the project (editors and owners)',
        description:
          'All or nothing, in one transaction. Items are matched by their identifier (or key): ' +
          'importing the same file again creates nothing, an edited one updates what changed. ' +
          'Files up to IMPORT_MAX_BYTES (20 MiB by default).',
        params: ProjectParams,
        querystring: ImportQuery,
        body: ImportBody,
        response: { 201: ImportResultSchema, ...problems(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request, reply) => {
      const { projectId } = request.params;
      const plan = await planOf(
        request.headers['content-type'] ?? '',
        request.body,
        request.query.title ?? 'CSV import',
      );
      const result = await work(request, (tx, ctx) =>
        importPlan(tx, ctx, projectId, plan, request.query.specificationId ?? null),
      );
      return reply.code(201).send(result);
    },
  );
  await Promise.resolve();
};
