import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../http/schemas.js';

const Scope = Type.Union([Type.Literal('read'), Type.Literal('write')]);

export const TokenSchema = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    scopes: Type.Array(Scope),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'PersonalAccessToken' },
);

export const NewTokenSchema = Type.Intersect(
  [
    TokenSchema,
    Type.Object({
      token: Type.String({ description: 'Shown this once: `gilla_pat_…`' }),
    }),
  ],
  { title: 'NewPersonalAccessToken' },
);

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Scope, { minItems: 1, maxItems: 2, uniqueItems: true }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: 90 })),
  },
  { additionalProperties: false },
);

export const TokenIdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
