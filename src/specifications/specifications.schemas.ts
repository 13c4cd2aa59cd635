import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../http/schemas.js';

export const Status = Type.Union([
  Type.Literal('draft'),
  Type.Literal('in_review'),
  Type.Literal('approved'),
  Type.Literal('obsolete'),
]);

export const Title = Type.String({
  maxLength: 1000,
  description: '1–200 characters after trimming',
});
const Description = Type.String({ maxLength: 65_536, description: 'Markdown, up to 64 KiB' });

export const SpecificationParams = Type.Object(
  { specificationId: Uuid },
  { additionalProperties: false },
);

export const NewSpecificationBody = Type.Object(
  { title: Title, description: Type.Optional(Description), status: Type.Optional(Status) },
  { additionalProperties: false },
);

export const SpecificationPatchBody = Type.Object(
  {
    title: Type.Optional(Title),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    status: Type.Optional(Status),
  },
  { additionalProperties: false },
);

export const SpecificationSchema = Type.Object(
  {
    id: Uuid,
    projectId: Uuid,
    title: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    status: Status,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    createdBy: Type.Union([Uuid, Type.Null()]),
    updatedBy: Type.Union([Uuid, Type.Null()]),
    version: Type.Integer(),
  },
  { title: 'Specification' },
);

export const ExportQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union(
        [
          Type.Literal('markdown'),
          Type.Literal('json'),
          Type.Literal('csv'),
          Type.Literal('reqif'),
        ],
        { default: 'markdown' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const TraceQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union([Type.Literal('markdown'), Type.Literal('json'), Type.Literal('csv')], {
        default: 'markdown',
      }),
    ),
  },
  { additionalProperties: false },
);
