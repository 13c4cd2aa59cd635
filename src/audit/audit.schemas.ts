import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../http/schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const eventFields = {
  id: Uuid,
  at: Timestamp,
  type: Type.String(),
  actorId: Nullable(Uuid),
  targetType: Nullable(Type.String()),
  targetId: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
};

export const AuditEventSchema = Type.Object(
  { ...eventFields, ip: Nullable(Type.String()), userAgent: Nullable(Type.String()) },
  { title: 'AuditEvent' },
);

export const ActivityEventSchema = Type.Object(eventFields, { title: 'ActivityEvent' });

const paging = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
};

export const AuditQuery = Type.Object(
  {
    ...paging,
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    actorId: Type.Optional(Uuid),
    targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const ActivityQuery = Type.Object(
  {
    ...paging,
    type: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'An event type (`item.updated`) or a family (`item`)',
      }),
    ),
  },
  { additionalProperties: false },
);
