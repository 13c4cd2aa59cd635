import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../http/schemas.js';

export const FlagKeyParams = Type.Object(
  {
    key: Type.String({ pattern: '^[a-z0-9_.-]{1,64}$', description: '1–64 of a-z, 0-9, -, _, .' }),
  },
  { additionalProperties: false },
);

const UserList = Type.Array(Uuid, { maxItems: 10_000 });

export const PutFlagBody = Type.Object(
  {
    enabled: Type.Boolean(),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    rolloutPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    allowUsers: Type.Optional(UserList),
    denyUsers: Type.Optional(UserList),
  },
  { additionalProperties: false },
);

export const FlagSchema = Type.Object({
  key: Type.String(),
  enabled: Type.Boolean(),
  description: Type.Union([Type.String(), Type.Null()]),
  rolloutPercent: Type.Integer(),
  allowUsers: Type.Array(Type.String()),
  denyUsers: Type.Array(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  updatedBy: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
});

export const FlagHistorySchema = Type.Object({
  id: Uuid,
  action: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted')]),
  changedBy: Type.Union([Type.String(), Type.Null()]),
  changedAt: Timestamp,
  before: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  after: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});
