import { Type } from '@sinclair/typebox';
import { Uuid } from '../http/schemas.js';

export const ImportQuery = Type.Object(
  {
    specificationId: Type.Optional({
      ...Uuid,
      description: 'Import every item into this specification of the project',
    }),
    title: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'The title of the specification a CSV file creates (default: "CSV import")',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ImportResultSchema = Type.Object(
  {
    specifications: Type.Array(Type.Object({ id: Uuid, title: Type.String() }), {
      description: "The specifications the file's items are in, created or found",
    }),
    created: Type.Integer({ description: 'Items created' }),
    updated: Type.Integer({ description: 'Items matched and changed (each with a revision)' }),
    unchanged: Type.Integer({ description: 'Items matched that the file does not change' }),
    links: Type.Integer({ description: 'Links created' }),
    warnings: Type.Array(Type.String(), {
      description: 'What the file names but does not have, and what was left out and why',
    }),
  },
  { title: 'ImportResult' },
);

const ReqifFile = Type.String({ description: 'ReqIF 1.2 (`.reqif`)' });

export const ImportBody = {
  content: {
    'application/xml': { schema: ReqifFile },
    'text/xml': { schema: ReqifFile },
    'application/json': {
      schema: Type.Unknown({
        description: "Gilla's JSON export of a specification or a baseline",
      }),
    },
    'text/csv': {
      schema: Type.String({
        description: 'A header row naming `title` and any of `key`, `body`, `status`, `id`',
      }),
    },
  },
};
