import { Type } from '@sinclair/typebox';
import { Uuid } from '../http/schemas.js';

export const LinkTypeKey = Type.String({
  pattern: '^[a-z][a-z0-9_]{1,31}$',
  description: '2–32 lower-case letters, digits or _, starting with a letter (e.g. verifies)',
});

export const SuspectFieldSchema = Type.Union([
  Type.Literal('title'),
  Type.Literal('body'),
  Type.Literal('status'),
]);

const Name = Type.String({ maxLength: 400, description: '1–100 characters after trimming' });

export const LinkTypeParams = Type.Object(
  { projectId: Uuid, key: LinkTypeKey },
  { additionalProperties: false },
);

export const LinkTypeBody = Type.Object(
  {
    name: Name,
    inverseName: Name,
    hierarchical: Type.Optional(
      Type.Boolean({ description: 'Links of this type may not form a cycle' }),
    ),
    suspectFields: Type.Optional(
      Type.Array(SuspectFieldSchema, {
        uniqueItems: true,
        maxItems: 3,
        description: "A change to one of these fields of a link's target makes the link suspect",
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Fields left out keep their value; a new type: not hierarchical, title and body',
  },
);

export const LinkTypeSchema = Type.Object(
  {
    key: LinkTypeKey,
    name: Type.String({ description: 'Read "source <name> target", e.g. verifies' }),
    inverseName: Type.String({ description: 'Read "target <inverseName> source"' }),
    hierarchical: Type.Boolean(),
    suspectFields: Type.Array(SuspectFieldSchema),
  },
  { title: 'LinkType' },
);
