import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BaselineParams } from '../baselines/baselines.schemas.js';
import { created } from '../http/preconditions.js';
import { bearer, Page, PageQuery, problems, Uuid } from '../http/schemas.js';
import { Type } from '@sinclair/typebox';
import { read } from '../http/unit-of-work.js';
import { ItemParams } from '../items/items.schemas.js';
import { ApprovalSchema, NewApprovalBody } from './approvals.schemas.js';
import { signFlow } from './approvals.flows.js';
import { getApproval, listApprovals } from './approvals.service.js';

/** `/api/v1`: electronic signatures of items and baselines. */
export const approvalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['approvals'], security: bearer };
  app.addHook('preHandler', app.authenticate);

  const signSchema = <P extends typeof ItemParams | typeof BaselineParams>(
    summary: string,
    params: P,
  ) => ({
    ...common,
    summary,
    params,
    body: NewApprovalBody,
    response: { 201: ApprovalSchema, ...problems(400, 401, 403, 404, 412, 429) },
  });

  app.post(
    '/items/:itemId/approvals',
    {
      schema: signSchema(
        'Sign the item as it is now, re-authenticating (editors and owners; honours If-Match)',
        ItemParams,
      ),
    },
    async (request, reply) => {
      const { itemId } = request.params;
      const approval = await signFlow(request, app.authDeps, 'item', itemId, request.body);
      return created(reply, `/api/v1/approvals/${approval.id}`).send(approval);
    },
  );

  app.post(
    '/baselines/:baselineId/approvals',
    {
      schema: signSchema(
        'Sign the baseline, re-authenticating (editors and owners)',
        BaselineParams,
      ),
    },
    async (request, reply) => {
      const { baselineId } = request.params;
      const approval = await signFlow(request, app.authDeps, 'baseline', baselineId, request.body);
      return created(reply, `/api/v1/approvals/${approval.id}`).send(approval);
    },
  );

  app.get(
    '/approvals/:approvalId',
    {
      schema: {
        ...common,
        summary: 'An approval (members of its specification; kept when its subject is gone)',
        params: Type.Object({ approvalId: Uuid }, { additionalProperties: false }),
        response: { 200: ApprovalSchema, ...problems(400, 401, 404) },
      },
    },
    (request) => read(request, (db, ctx) => getApproval(db, ctx, request.params.approvalId)),
  );

  app.get(
    '/items/:itemId/approvals',
    {
      schema: {
        ...common,
        summary: "An item's approvals, newest first; `valid` is false once it changed",
        params: ItemParams,
        querystring: PageQuery,
        response: { 200: Page(ApprovalSchema), ...problems(400, 401, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) =>
        listApprovals(db, ctx, 'item', request.params.itemId, request.query),
      ),
  );

  app.get(
    '/baselines/:baselineId/approvals',
    {
      schema: {
        ...common,
        summary: "A baseline's approvals, newest first",
        params: BaselineParams,
        querystring: PageQuery,
        response: { 200: Page(ApprovalSchema), ...problems(400, 401, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) =>
        listApprovals(db, ctx, 'baseline', request.params.baselineId, request.query),
      ),
  );

  await Promise.resolve();
};
