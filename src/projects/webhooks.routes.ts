import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { created } from '../http/preconditions.js';
import { bearer, NoContent, Page, problems } from '../http/schemas.js';
import { read, work } from '../http/unit-of-work.js';
import type { DestinationPolicy } from '../webhooks/destination.js';
import {
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveryParams,
  DeliverySchema,
  NewWebhookSchema,
  WebhookParams,
  WebhookPatchBody,
  WebhookSchema,
} from '../webhooks/webhooks.schemas.js';
import {
  changeWebhook,
  projectWebhook,
  projectWebhooks,
  redeliver,
  registerWebhook,
  removeWebhook,
  webhookDeliveries,
} from './project-webhooks.service.js';
import { ProjectParams } from './projects.schemas.js';

/** `/api/v1/projects/{projectId}/webhooks`: a project's webhooks and their deliveries (owners). */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ policy: DestinationPolicy }> = async (
  app,
  { policy },
) => {
  const common = { tags: ['webhooks'], security: bearer };
  app.addHook('preHandler', app.authenticate);

  app.post(
    '/projects/:projectId/webhooks',
    {
      schema: {
        ...common,
        summary: 'Register a webhook for some of the project’s events (the secret is shown once)',
        params: ProjectParams,
        body: CreateWebhookBody,
        response: { 201: NewWebhookSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { projectId } = request.params;
      const webhook = await work(request, (tx, ctx) =>
        registerWebhook(tx, ctx, policy, projectId, request.body),
      );
      return created(reply, `/api/v1/projects/${projectId}/webhooks/${webhook.id}`).send(webhook);
    },
  );

  app.get(
    '/projects/:projectId/webhooks',
    {
      schema: {
        ...common,
        summary: 'The project’s webhooks',
        params: ProjectParams,
        response: {
          200: Type.Object({ data: Type.Array(WebhookSchema) }),
          ...problems(401, 403, 404),
        },
      },
    },
    async (request) => ({
      data: await read(request, (db, ctx) => projectWebhooks(db, ctx, request.params.projectId)),
    }),
  );

  app.get(
    '/projects/:projectId/webhooks/:webhookId',
    {
      schema: {
        ...common,
        summary: 'A webhook',
        params: WebhookParams,
        response: { 200: WebhookSchema, ...problems(401, 403, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) =>
        projectWebhook(db, ctx, request.params.projectId, request.params.webhookId),
      ),
  );

  app.patch(
    '/projects/:projectId/webhooks/:webhookId',
    {
      schema: {
        ...common,
        summary: 'Change a webhook’s URL or events, or switch it off or on',
        params: WebhookParams,
        body: WebhookPatchBody,
        response: { 200: WebhookSchema, ...problems(400, 401, 403, 404) },
      },
    },
    (request) =>
      work(request, (tx, ctx) =>
        changeWebhook(
          tx,
          ctx,
          policy,
          request.params.projectId,
          request.params.webhookId,
          request.body,
        ),
      ),
  );

  app.delete(
    '/projects/:projectId/webhooks/:webhookId',
    {
      schema: {
        ...common,
        summary: 'Delete a webhook and its deliveries',
        params: WebhookParams,
        response: { 204: NoContent, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) =>
        removeWebhook(tx, ctx, request.params.projectId, request.params.webhookId),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/projects/:projectId/webhooks/:webhookId/deliveries',
    {
      schema: {
        ...common,
        summary: 'A page of the webhook’s deliveries, newest first, with their last attempt',
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: { 200: Page(DeliverySchema), ...problems(400, 401, 403, 404) },
      },
    },
    (request) =>
      read(request, (db, ctx) =>
        webhookDeliveries(
          db,
          ctx,
          request.params.projectId,
          request.params.webhookId,
          request.query,
        ),
      ),
  );

  app.post(
    '/projects/:projectId/webhooks/:webhookId/deliveries/:deliveryId/retry',
    {
      schema: {
        ...common,
        summary: 'Send a delivery again, now, at its place in the webhook’s order',
        params: DeliveryParams,
        response: { 202: DeliverySchema, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { projectId, webhookId, deliveryId } = request.params;
      const delivery = await work(request, (tx, ctx) =>
        redeliver(tx, ctx, projectId, webhookId, deliveryId),
      );
      return reply.code(202).send(delivery);
    },
  );
  await Promise.resolve();
};
