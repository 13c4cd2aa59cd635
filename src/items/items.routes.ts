import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../http/actor.js';
import { created, ifMatchOf, withEtag } from '../http/preconditions.js';
import { read, work } from '../http/unit-of-work.js';
import { bearer, NoContent, Page, PageQuery, problems } from '../http/schemas.js';
import { SpecificationParams } from '../specifications/specifications.schemas.js';
import { revisionPage } from './item-revisions.js';
import {
  ItemKeyParams,
  ItemParams,
  ItemPatchBody,
  ItemSchema,
  MoveBody,
  NewItemBody,
  RevisionSchema,
} from './items.schemas.js';
import {
  createItem,
  deleteItem,
  getItem,
  getItemByKey,
  listItems,
  moveItem,
  updateItem,
} from './items.service.js';
import { ItemPageCache } from './item-page-cache.js';

/** `/api/v1`: the items of specifications, their order and their history. */
export const itemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['items'], security: bearer };
  app.addHook('preHandler', app.authenticate);
  const pages = new ItemPageCache(app.cache, app.encryptor);

  app.get(
    '/specifications/:specificationId/items',
    {
      schema: {
        ...common,
        summary: "A specification's items, in document order",
        params: SpecificationParams,
        querystring: PageQuery,
        response: { 200: Page(ItemSchema), ...problems(400, 401, 404) },
      },
    },
    (request) => {
      const userId = actorOf(request).userId;
      const { specificationId } = request.params;
      return pages.through({ specificationId, userId, ...request.query }, () =>
        read(request, (db, ctx) => listItems(db, ctx, specificationId, request.query)),
      );
    },
  );

  app.post(
    '/specifications/:specificationId/items',
    {
      schema: {
        ...common,
        summary: 'Create an item: at the end, or right after `after` (editors and owners)',
        params: SpecificationParams,
        body: NewItemBody,
        response: { 201: ItemSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const item = await work(request, (tx, ctx) =>
        createItem(tx, ctx, request.params.specificationId, request.body),
      );
      return withEtag(created(reply, `/api/v1/items/${item.id}`), item);
    },
  );

  app.get(
    '/items/:itemId',
    {
      schema: {
        ...common,
        summary: 'An item (its version is the ETag)',
        params: ItemParams,
        response: { 200: ItemSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) =>
      withEtag(reply, await read(request, (db, ctx) => getItem(db, ctx, request.params.itemId))),
  );

  app.patch(
    '/items/:itemId',
    {
      schema: {
        ...common,
        summary: 'Change an item (editors and owners; honours If-Match)',
        params: ItemParams,
        body: ItemPatchBody,
        response: { 200: ItemSchema, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const item = await work(request, (tx, ctx) =>
        updateItem(tx, ctx, request.params.itemId, request.body, ifMatchOf(request)),
      );
      return withEtag(reply, item);
    },
  );

  app.delete(
    '/items/:itemId',
    {
      schema: {
        ...common,
        summary: 'Delete an item (editors and owners; honours If-Match)',
        params: ItemParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) =>
        deleteItem(tx, ctx, request.params.itemId, ifMatchOf(request)),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/items/:itemId/move',
    {
      schema: {
        ...common,
        summary: 'Move an item after another (null: to the top); honours If-Match',
        params: ItemParams,
        body: MoveBody,
        response: { 200: ItemSchema, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const item = await work(request, (tx, ctx) =>
        moveItem(tx, ctx, request.params.itemId, request.body.after, ifMatchOf(request)),
      );
      return withEtag(reply, item);
    },
  );

  app.get(
    '/items/:itemId/revisions',
    {
      schema: {
        ...common,
        summary: "An item's history, newest first (kept after the item is deleted)",
        params: ItemParams,
        querystring: PageQuery,
        response: { 200: Page(RevisionSchema), ...problems(400, 401, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) => revisionPage(db, ctx, request.params.itemId, request.query)),
  );

  app.get(
    '/projects/:projectId/items/:key',
    {
      schema: {
        ...common,
        summary: 'An item by its key, e.g. AUTH-12',
        params: ItemKeyParams,
        response: { 200: ItemSchema, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await read(request, (db, ctx) =>
          getItemByKey(db, ctx, request.params.projectId, request.params.key),
        ),
      ),
  );
  await Promise.resolve();
};
