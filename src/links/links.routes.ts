import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../http/actor.js';
import { created, ifMatchOf, withEtag } from '../http/preconditions.js';
import { bearer, NoContent, Page, problems } from '../http/schemas.js';
import { read, work } from '../http/unit-of-work.js';
import { ItemParams } from '../items/items.schemas.js';
import { ProjectParams } from '../projects/projects.schemas.js';
import { SpecificationParams } from '../specifications/specifications.schemas.js';
import { coverageOf } from './coverage.js';
import { impactOf } from './impact.js';
import { LinkPageCache } from './link-page-cache.js';
import {
  CoverageQuery,
  CoverageSchema,
  ImpactQuery,
  ImpactSchema,
  ItemLinksQuery,
  LinkParams,
  LinkSchema,
  NewLinkBody,
  SuspectLinksQuery,
} from './links.schemas.js';
import {
  clearLink,
  createLink,
  deleteLink,
  getLink,
  listItemLinks,
  listSuspectLinks,
} from './links.service.js';

/** `/api/v1`: trace links between items, suspect links, impact and coverage. */
export const linkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['trace links'], security: bearer };
  app.addHook('preHandler', app.authenticate);
  const pages = new LinkPageCache(app.cache, app.encryptor);

  app.post(
    '/items/:itemId/links',
    {
      schema: {
        ...common,
        summary: 'Link this item (the source) to a target item of the project (editors, owners)',
        params: ItemParams,
        body: NewLinkBody,
        response: { 201: LinkSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const link = await work(request, (tx, ctx) =>
        createLink(tx, ctx, request.params.itemId, request.body),
      );
      return withEtag(created(reply, `/api/v1/links/${link.id}`), link);
    },
  );

  app.get(
    '/items/:itemId/links',
    {
      schema: {
        ...common,
        summary: "A page of an item's links (both directions unless asked)",
        params: ItemParams,
        querystring: ItemLinksQuery,
        response: { 200: Page(LinkSchema), ...problems(400, 401, 404) },
      },
    },
    (request) => {
      const { itemId } = request.params;
      const key = { itemId, userId: actorOf(request).userId, ...request.query };
      return pages.through(key, () =>
        read(request, (db, ctx) => listItemLinks(db, ctx, itemId, request.query)),
      );
    },
  );

  app.get(
    '/links/:linkId',
    {
      schema: {
        ...common,
        summary: 'A link (its version is the ETag)',
        params: LinkParams,
        response: { 200: LinkSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) =>
      withEtag(reply, await read(request, (db, ctx) => getLink(db, ctx, request.params.linkId))),
  );

  app.delete(
    '/links/:linkId',
    {
      schema: {
        ...common,
        summary: 'Delete a link (editors and owners; honours If-Match)',
        params: LinkParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) =>
        deleteLink(tx, ctx, request.params.linkId, ifMatchOf(request)),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/links/:linkId/clear',
    {
      schema: {
        ...common,
        summary: "Clear a link's suspect mark (editors and owners; honours If-Match)",
        params: LinkParams,
        response: { 200: LinkSchema, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const link = await work(request, (tx, ctx) =>
        clearLink(tx, ctx, request.params.linkId, ifMatchOf(request)),
      );
      return withEtag(reply, link);
    },
  );

  app.get(
    '/projects/:projectId/suspect-links',
    {
      schema: {
        ...common,
        summary: "A page of the project's suspect links (by the source's specification, by type)",
        params: ProjectParams,
        querystring: SuspectLinksQuery,
        response: { 200: Page(LinkSchema), ...problems(400, 401, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) =>
        listSuspectLinks(db, ctx, request.params.projectId, request.query),
      ),
  );

  app.get(
    '/items/:itemId/impact',
    {
      schema: {
        ...common,
        summary: 'Every item that reaches this one through incoming links, up to depth',
        params: ItemParams,
        querystring: ImpactQuery,
        response: { 200: ImpactSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => ({
      data: await read(request, (db, ctx) =>
        impactOf(db, ctx, request.params.itemId, request.query.depth),
      ),
    }),
  );

  app.get(
    '/specifications/:specificationId/coverage',
    {
      schema: {
        ...common,
        summary: 'How many items have a link of a type and direction, and which do not',
        params: SpecificationParams,
        querystring: CoverageQuery,
        response: { 200: CoverageSchema, ...problems(400, 401, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) =>
        coverageOf(db, ctx, request.params.specificationId, request.query),
      ),
  );
  await Promise.resolve();
};
