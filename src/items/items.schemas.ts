import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../http/schemas.js';
import { Status, Title } from '../specifications/specifications.schemas.js';

const Body = Type.String({ maxLength: 65_536, description: 'Markdown, up to 64 KiB' });

export const ItemParams = Type.Object({ itemId: Uuid }, { additionalProperties: false });

export const ItemKeyParams = Type.Object(
  { projectId: Uuid, key: Type.String({ pattern: '^[A-Za-z0-9]{2,10}-[0-9]{1,9}$' }) },
  { additionalProperties: false },
);

export const NewItemBody = Type.Object(
  {
    title: Title,
    body: Type.Optional(Body),
    status: Type.Optional(Status),
    after: Type.Optional(
      Type.Union([Uuid, Type.Null()], {
        description: 'Insert right after this item (null: at the top); absent: at the end',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ItemPatchBody = Type.Object(
  { title: Type.Optional(Title), body: Type.Optional(Body), status: Type.Optional(Status) },
  { additionalProperties: false },
);

export const MoveBody = Type.Object(
  {
    after: Type.Union([Uuid, Type.Null()], {
      description: 'The item to follow, in the same specification; null: to the top',
    }),
  },
  { additionalProperties: false },
);

export const ItemSchema = Type.Object(
  {
    id: Uuid,
    key: Type.String({ description: '<PROJECT KEY>-<n>, never reused' }),
    specificationId: Uuid,
    title: Type.String(),
    body: Type.String(),
    status: Status,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    createdBy: Type.Union([Uuid, Type.Null()]),
    updatedBy: Type.Union([Uuid, Type.Null()]),
    version: Type.Integer(),
  },
  { title: 'Item' },
);

export const RevisionSchema = Type.Object(
  {
    version: Type.Integer(),
    action: Type.Union([
      Type.Literal('created'),
      Type.Literal('updated'),
      Type.Literal('moved'),
      Type.Literal('deleted'),
      Type.Literal('linked'),
      Type.Literal('unlinked'),
      Type.Literal('link_cleared'),
    ]),
    changedAt: Timestamp,
    changedBy: Type.Union([Uuid, Type.Null()]),
    changes: Type.Record(
      Type.String(),
      Type.Object({ before: Type.Unknown(), after: Type.Unknown() }),
      { description: 'Each changed field with its value before and after' },
    ),
  },
  { title: 'Revision' },
);
