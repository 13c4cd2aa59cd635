import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { bearer, Page, problems } from '../http/schemas.js';
import { AuditEventSchema, AuditQuery } from './audit.schemas.js';
import { listAuditPage } from './audit.service.js';

/** `/api/v1/admin/audit`: the audit log, for administrators. */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/audit',
    {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'],
        security: bearer,
        summary: 'A page of the audit log, newest first, filtered by type, actor or target',
        querystring: AuditQuery,
        response: { 200: Page(AuditEventSchema), ...problems(400, 401, 403) },
      },
    },
    (request) => listAuditPage(app.db, request.query),
  );
  await Promise.resolve();
};
