import { Type } from '@sinclair/typebox';
import { Email, Timestamp, Uuid } from '../http/schemas.js';

export const Role = Type.Union(
  [Type.Literal('owner'), Type.Literal('editor'), Type.Literal('viewer')],
  {
    description: 'owner: everything; editor: read and write specifications and items; viewer: read',
  },
);

const Name = Type.String({ maxLength: 1000, description: '1–200 characters after trimming' });
const Description = Type.String({ maxLength: 65_536, description: 'Up to 64 KiB' });

export const ProjectParams = Type.Object({ projectId: Uuid }, { additionalProperties: false });

export const NewProjectBody = Type.Object(
  {
    name: Name,
    key: Type.Optional(
      Type.String({
        pattern: '^[A-Z0-9]{2,10}$',
        description: '2–10 upper-case letters or digits; derived from the name when absent',
      }),
    ),
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
);

export const ProjectPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
  },
  { additionalProperties: false },
);

export const ProjectSchema = Type.Object(
  {
    id: Uuid,
    key: Type.String(),
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    role: Role,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { title: 'Project' },
);

export const MemberParams = Type.Object(
  { projectId: Uuid, userId: Uuid },
  { additionalProperties: false },
);

export const AddMemberBody = Type.Object(
  { email: Email, role: Role },
  { additionalProperties: false },
);

export const MemberRoleBody = Type.Object({ role: Role }, { additionalProperties: false });

export const MemberSchema = Type.Object(
  {
    userId: Uuid,
    email: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    role: Role,
  },
  { title: 'Member' },
);
