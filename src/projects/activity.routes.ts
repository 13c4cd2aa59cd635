import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ActivityEventSchema, ActivityQuery } from '../audit/audit.schemas.js';
import { bearer, Page, problems } from '../http/schemas.js';
import { read } from '../http/unit-of-work.js';
import { projectActivity } from './activity.service.js';
import { ProjectParams } from './projects.schemas.js';

/** `/api/v1/projects/{projectId}/activity`: what changed in a project, for its members. */
export const activityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/projects/:projectId/activity',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['projects'],
        security: bearer,
        summary:
          'A page of the project’s events (item.*, specification.*, link.*, baseline.*, approval.*, member.*), newest first',
        params: ProjectParams,
        querystring: ActivityQuery,
        response: { 200: Page(ActivityEventSchema), ...problems(400, 401, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) => projectActivity(db, ctx, request.params.projectId, request.query)),
  );
  await Promise.resolve();
};
