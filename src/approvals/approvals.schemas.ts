import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../http/schemas.js';

export const NewApprovalBody = Type.Object(
  {
    meaning: Type.Union(
      [Type.Literal('approved'), Type.Literal('reviewed'), Type.Literal('rejected')],
      { description: 'What the signature means' },
    ),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
    password: Type.Optional(
      Type.String({
        maxLength: 1024,
        description:
          "The signer's password; an account without one must have signed in within 5 minutes",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ApprovalSchema = Type.Object(
  {
    id: Uuid,
    subject: Type.Union([Type.Literal('item'), Type.Literal('baseline')]),
    subjectId: Uuid,
    specificationId: Uuid,
    version: Type.Integer({ description: "The subject's version when signed" }),
    contentHash: Type.String({ description: "SHA-256 (hex) of the subject's content (README)" }),
    meaning: Type.Union([
      Type.Literal('approved'),
      Type.Literal('reviewed'),
      Type.Literal('rejected'),
    ]),
    comment: Type.Union([Type.String(), Type.Null()]),
    signedBy: Type.Object({
      id: Uuid,
      email: Type.String(),
      name: Type.Union([Type.String(), Type.Null()]),
    }),
    signedAt: Timestamp,
    valid: Type.Boolean({ description: "False once the subject's content changed after signing" }),
  },
  { title: 'Approval', description: 'An electronic signature; never changed or deleted' },
);
