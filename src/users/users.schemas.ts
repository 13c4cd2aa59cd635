import { Type } from '@sinclair/typebox';
import { Email, Timestamp, Uuid } from '../http/schemas.js';

export const UserSchema = Type.Object(
  {
    id: Uuid,
    email: Email,
    emailVerified: Type.Boolean(),
    name: Type.Union([Type.String(), Type.Null()]),
    avatarUrl: Type.Union([Type.String(), Type.Null()]),
    role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
    providers: Type.Array(Type.String()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'User' },
);

export const AdminUserSchema = Type.Intersect([
  UserSchema,
  Type.Object({ disabled: Type.Boolean() }),
]);

export const UpdateProfileBody = Type.Object(
  {
    name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
    avatarUrl: Type.Optional(
      Type.Union([
        Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
    newPassword: Type.String({ minLength: 8, maxLength: 128 }),
  },
  { additionalProperties: false },
);

export const DeleteAccountBody = Type.Object(
  { password: Type.Optional(Type.String({ maxLength: 1024 })) },
  { additionalProperties: false },
);

export const AdminUsersQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
  },
  { additionalProperties: false },
);

export const AdminUpdateUserBody = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])),
    disabled: Type.Optional(Type.Boolean()),
    resetMfa: Type.Optional(
      Type.Literal(true, { description: 'Turn the user’s TOTP off (their recovery codes go too)' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
