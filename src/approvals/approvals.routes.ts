import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { reauthenticate } from '../auth/reauthenticate.js';
import { BaselineParams } from '../baselines/baselines.schemas.js';
import { ifMatchOf } from '../http/preconditions.js';
import { bearer, Page, PageQuery, problems } from '../http/schemas.js';
import { read, work } from '../http/unit-of-work.js';
import { ItemParams } from '../items/items.schemas.js';
import { ApprovalSchema, NewApprovalBody } from './approvals.schemas.js';
import type { ApprovalSubject } from './approvals.table.js';
import { assertMaySign, listApprovals, signBaseline, signItem } from './approvals.service.js';

/** `/api/v1`: electronic signatures of items and baselines. */
export const approvalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['approvals'], security: bearer };
  app.addHook('preHandler', app.authenticate);

  /**
   * Who may sign is checked first (so a viewer's or a stranger's password is never tried), then
   * the signer proves presence, outside the transaction that records the signature.
   */
  async function signer(
    request: FastifyRequest,
    subject: ApprovalSubject,
    id: string,
    password?: string,
  ) {
    await read(request, (db, ctx) => assertMaySign(db, ctx, subject, id));
    return read(request, (db, ctx) => reauthenticate(db, ctx, app.authDeps, password));
  }

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
      const user = await signer(request, 'item', itemId, request.body.password);
      const approval = await work(request, (tx, ctx) =>
        signItem(tx, ctx, itemId, user, request.body, ifMatchOf(request)),
      );
      return reply.code(201).send(approval);
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
      const user = await signer(request, 'baseline', baselineId, request.body.password);
      const approval = await work(request, (tx, ctx) =>
        signBaseline(tx, ctx, baselineId, user, request.body),
      );
      return reply.code(201).send(approval);
    },
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
