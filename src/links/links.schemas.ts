import { Type } from '@sinclair/typebox';
import { PageQuery, Timestamp, Uuid } from '../http/schemas.js';
import { LinkTypeKey } from '../projects/link-types.schemas.js';

export const ItemRefSchema = Type.Object(
  { id: Uuid, key: Type.String(), title: Type.String(), specificationId: Uuid },
  { title: 'ItemRef' },
);

export const LinkSchema = Type.Object(
  {
    id: Uuid,
    projectId: Uuid,
    type: LinkTypeKey,
    source: ItemRefSchema,
    target: ItemRefSchema,
    suspect: Type.Boolean({ description: 'The target changed since the link was made or cleared' }),
    suspectSince: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
    createdBy: Type.Union([Uuid, Type.Null()]),
    version: Type.Integer(),
  },
  { title: 'Link', description: 'source --type--> target; the target is the upstream side' },
);

export const LinkParams = Type.Object({ linkId: Uuid }, { additionalProperties: false });

export const NewLinkBody = Type.Object(
  {
    targetId: Uuid,
    type: Type.String({ maxLength: 64, description: 'A link type key of the project' }),
  },
  { additionalProperties: false },
);

export const Direction = Type.Union(
  [Type.Literal('outgoing'), Type.Literal('incoming'), Type.Literal('both')],
  { default: 'both' },
);

export const ItemLinksQuery = Type.Object(
  {
    ...PageQuery.properties,
    direction: Direction,
    type: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const SuspectLinksQuery = Type.Object(
  {
    ...PageQuery.properties,
    // Only links whose source (the side to review) is in this specification.
    specificationId: Type.Optional(Uuid),
    type: Type.Optional(Type.String({ maxLength: 64, description: 'Only links of this type' })),
  },
  { additionalProperties: false },
);

export const ImpactQuery = Type.Object(
  { depth: Type.Integer({ minimum: 1, maximum: 10, default: 3 }) },
  { additionalProperties: false },
);

export const ImpactSchema = Type.Object({
  data: Type.Array(
    Type.Object({
      item: ItemRefSchema,
      depth: Type.Integer({ description: 'Links away, at the shortest' }),
      via: Type.String({ description: 'The type of the link it came through' }),
    }),
  ),
});

export const CoverageQuery = Type.Object(
  {
    type: Type.String({ maxLength: 64, default: 'verifies' }),
    direction: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')], {
      default: 'incoming',
      description: 'incoming: the item is the target (e.g. verified by a test)',
    }),
  },
  { additionalProperties: false },
);

export const CoverageSchema = Type.Object(
  {
    total: Type.Integer(),
    covered: Type.Integer(),
    percent: Type.Number({ description: 'covered / total, two decimals; 0 when empty' }),
    uncovered: Type.Array(ItemRefSchema, { description: 'The first 100, in document order' }),
  },
  { title: 'Coverage' },
);
