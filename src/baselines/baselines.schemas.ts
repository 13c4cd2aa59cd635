import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../http/schemas.js';
import { ItemSchema } from '../items/items.schemas.js';
import { ItemRefSchema } from '../links/links.schemas.js';
import { LinkTypeKey } from '../projects/link-types.schemas.js';
import { Title } from '../specifications/specifications.schemas.js';

export const BaselineParams = Type.Object({ baselineId: Uuid }, { additionalProperties: false });

export const NewBaselineBody = Type.Object(
  {
    name: Title,
    description: Type.Optional(
      Type.String({ maxLength: 65_536, description: 'Markdown, up to 64 KiB' }),
    ),
  },
  { additionalProperties: false },
);

export const BaselineSchema = Type.Object(
  {
    id: Uuid,
    projectId: Uuid,
    specificationId: Uuid,
    specificationTitle: Type.String({ description: "The specification's title when taken" }),
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    createdBy: Type.Union([Uuid, Type.Null()]),
    itemCount: Type.Integer(),
    contentHash: Type.String({
      description: 'SHA-256 (hex) over the canonical form of the snapshot (README)',
    }),
    version: Type.Literal(1, { description: 'A baseline never changes' }),
  },
  { title: 'Baseline', description: 'An immutable snapshot of a specification' },
);

const SnapshotLinkSchema = Type.Object(
  { type: LinkTypeKey, target: ItemRefSchema },
  { title: 'SnapshotLink', description: 'An outgoing link, its target as named then' },
);

export const BaselineItemSchema = Type.Composite(
  [ItemSchema, Type.Object({ links: Type.Array(SnapshotLinkSchema) })],
  { title: 'BaselineItem', description: 'An item as a baseline keeps it, with its outgoing links' },
);

const Side = Type.Union([Uuid, Type.Literal('head')], {
  description: 'A baseline of this specification, or `head` (the items now)',
});

export const DiffQuery = Type.Object(
  { from: Side, to: Type.Optional(Side) },
  { additionalProperties: false },
);

const Change = Type.Object({ before: Type.Unknown(), after: Type.Unknown() });

export const DiffSchema = Type.Object(
  {
    from: Type.String(),
    to: Type.String(),
    summary: Type.Object({
      added: Type.Integer(),
      removed: Type.Integer(),
      changed: Type.Integer(),
      moved: Type.Integer(),
    }),
    added: Type.Array(BaselineItemSchema),
    removed: Type.Array(BaselineItemSchema),
    changed: Type.Array(
      Type.Object({
        id: Uuid,
        key: Type.String(),
        changes: Type.Object(
          {
            title: Type.Optional(Change),
            body: Type.Optional(Change),
            status: Type.Optional(Change),
            links: Type.Optional(Change),
          },
          { description: 'Each changed field with its value before and after' },
        ),
      }),
    ),
    moved: Type.Array(ItemRefSchema, {
      description: 'Items whose place among their neighbours changed',
    }),
  },
  { title: 'Diff' },
);
