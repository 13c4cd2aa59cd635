import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../http/schemas.js';

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'https (plain http only to a loopback address outside production); in production no private, loopback or link-local address, also after DNS resolution',
  example: 'https://ci.example.com/hooks/gilla',
});

const Events = Type.Array(
  Type.String({
    minLength: 1,
    maxLength: 100,
    description: 'An event type (`item.updated`), a family (`item.*`) or `*`',
    example: 'item.updated',
  }),
  { minItems: 1, maxItems: 50 },
);

export const WebhookSchema = Type.Object(
  {
    id: Uuid,
    url: Type.String(),
    events: Type.Array(Type.String()),
    active: Type.Boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    failingSince: Type.Union([Timestamp, Type.Null()], {
      description: 'Since when every attempt has failed; null once one succeeds',
    }),
    deactivatedAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When it was switched off after failing for three days',
    }),
  },
  { title: 'Webhook' },
);

export const NewWebhookSchema = Type.Intersect(
  [
    WebhookSchema,
    Type.Object({
      secret: Type.String({
        description: 'The signing secret (`whsec_…`), shown this once',
      }),
    }),
  ],
  { title: 'NewWebhook' },
);

export const CreateWebhookBody = Type.Object(
  { url: Url, events: Events },
  { additionalProperties: false },
);

export const WebhookPatchBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    active: Type.Optional(
      Type.Boolean({ description: 'Switching it on again retries its pending deliveries now' }),
    ),
  },
  { additionalProperties: false },
);

export const WebhookParams = Type.Object(
  { projectId: Uuid, webhookId: Uuid },
  { additionalProperties: false },
);

export const DeliveryParams = Type.Object(
  { projectId: Uuid, webhookId: Uuid, deliveryId: Uuid },
  { additionalProperties: false },
);

const Status = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('failed'),
]);

export const DeliverySchema = Type.Object(
  {
    id: Uuid,
    event: Type.String({ description: 'The event type' }),
    status: Status,
    attempts: Type.Integer(),
    createdAt: Timestamp,
    lastAttemptAt: Type.Union([Timestamp, Type.Null()]),
    nextAttemptAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When a pending delivery is tried next',
    }),
    responseStatus: Type.Union([Type.Integer(), Type.Null()], {
      description: 'The HTTP status of the last attempt; null when there was no answer',
    }),
    error: Type.Union([Type.String(), Type.Null()], {
      description: 'Why the last attempt failed',
    }),
  },
  { title: 'WebhookDelivery' },
);

export const DeliveriesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    status: Type.Optional(Status),
  },
  { additionalProperties: false },
);
