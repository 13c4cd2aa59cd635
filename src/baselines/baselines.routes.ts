import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { created, ifMatchOf, withEtag } from '../http/preconditions.js';
import { bearer, NoContent, Page, PageQuery, problems } from '../http/schemas.js';
import { read, snapshotRead, work } from '../http/unit-of-work.js';
import { SpecificationParams } from '../specifications/specifications.schemas.js';
import {
  BaselineItemSchema,
  BaselineParams,
  BaselineSchema,
  DiffQuery,
  DiffSchema,
  NewBaselineBody,
} from './baselines.schemas.js';
import {
  createBaseline,
  deleteBaseline,
  getBaseline,
  listBaselineItems,
  listBaselines,
} from './baselines.service.js';
import { diffSpecification } from './diff.js';

/** `/api/v1`: baselines of specifications, and what changed between them. */
export const baselineRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['baselines'], security: bearer };
  app.addHook('preHandler', app.authenticate);

  app.post(
    '/specifications/:specificationId/baselines',
    {
      schema: {
        ...common,
        summary: 'Take a baseline: an immutable snapshot of the items now (editors and owners)',
        params: SpecificationParams,
        body: NewBaselineBody,
        response: { 201: BaselineSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const baseline = await work(request, (tx, ctx) =>
        createBaseline(tx, ctx, request.params.specificationId, request.body),
      );
      return withEtag(created(reply, `/api/v1/baselines/${baseline.id}`), baseline);
    },
  );

  app.get(
    '/specifications/:specificationId/baselines',
    {
      schema: {
        ...common,
        summary: "A specification's baselines, newest first",
        params: SpecificationParams,
        querystring: PageQuery,
        response: { 200: Page(BaselineSchema), ...problems(400, 401, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) =>
        listBaselines(db, ctx, request.params.specificationId, request.query),
      ),
  );

  app.get(
    '/baselines/:baselineId',
    {
      schema: {
        ...common,
        summary: 'A baseline',
        params: BaselineParams,
        response: { 200: BaselineSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await read(request, (db, ctx) => getBaseline(db, ctx, request.params.baselineId)),
      ),
  );

  app.get(
    '/baselines/:baselineId/items',
    {
      schema: {
        ...common,
        summary: "A baseline's items as they were, in document order, with their outgoing links",
        params: BaselineParams,
        querystring: PageQuery,
        response: { 200: Page(BaselineItemSchema), ...problems(400, 401, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) =>
        listBaselineItems(db, ctx, request.params.baselineId, request.query),
      ),
  );

  app.delete(
    '/baselines/:baselineId',
    {
      schema: {
        ...common,
        summary: 'Delete a baseline (owners only; there is no change of one)',
        params: BaselineParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) =>
        deleteBaseline(tx, ctx, request.params.baselineId, ifMatchOf(request)),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/specifications/:specificationId/diff',
    {
      schema: {
        ...common,
        summary: 'What changed between two baselines, or a baseline and `head` (the default `to`)',
        params: SpecificationParams,
        querystring: DiffQuery,
        response: { 200: DiffSchema, ...problems(400, 401, 404) },
      },
    },
    (request) =>
      snapshotRead(request, (tx, ctx) =>
        diffSpecification(tx, ctx, request.params.specificationId, {
          from: request.query.from,
          to: request.query.to ?? 'head',
        }),
      ),
  );

  await Promise.resolve();
};
