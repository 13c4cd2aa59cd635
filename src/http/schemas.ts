import { Type, type TSchema } from '@sinclair/typebox';
import { ERROR_CODES, type ErrorCode } from '../domain/errors.js';

/** Problem details (RFC 9457), for every documented error response. */
const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.Unsafe<ErrorCode>({ type: 'string', enum: [...ERROR_CODES] }),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { title: 'Problem', description: 'RFC 9457 problem details' },
);

/** Error responses a route documents, by status. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemSchema]));
}

// A plain UUID: ajv's "uuid" format also takes a `urn:uuid:` prefix, which PostgreSQL refuses.
export const Uuid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: 'UUID',
});
// Dates in, ISO 8601 strings out (fast-json-stringify formats them).
export const Timestamp = Type.Unsafe<Date>({ type: 'string', format: 'date-time' });
export const Email = Type.String({ format: 'email', maxLength: 254 });

/** `?limit=&cursor=` of every collection. */
export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

/** `{ data, nextCursor }` around a list of items. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  });
}

export const NoContent = Type.Null({ description: 'No content' });

/** Declares the bearer-token requirement in the OpenAPI document. */
export const bearer = [{ bearerAuth: [] }];
