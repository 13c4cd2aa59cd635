import { Type } from '@sinclair/typebox';
import { Email, Timestamp, Uuid } from '../http/schemas.js';
import { MfaRequiredSchema } from '../mfa/mfa.schemas.js';
import { UserSchema } from '../users/users.schemas.js';

/** A random token we issued (base64url). */
export const OpaqueToken = Type.String({
  minLength: 16,
  maxLength: 256,
  pattern: '^[A-Za-z0-9_-]+$',
});

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 8, maxLength: 128 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object(
  { refreshToken: OpaqueToken },
  { additionalProperties: false },
);

export const ForgotBody = Type.Object({ email: Email }, { additionalProperties: false });

export const ResetBody = Type.Object(
  { token: OpaqueToken, password: Type.String({ minLength: 8, maxLength: 128 }) },
  { additionalProperties: false },
);

export const VerifyBody = Type.Object({ token: OpaqueToken }, { additionalProperties: false });

export const TokenResponseSchema = Type.Object(
  {
    accessToken: Type.String(),
    refreshToken: Type.String(),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
    user: UserSchema,
  },
  { title: 'TokenResponse' },
);

export const SessionSchema = Type.Object({
  id: Uuid,
  createdAt: Timestamp,
  lastUsedAt: Timestamp,
  userAgent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean(),
});

export const SessionIdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

/** A sign-in's answer: tokens, or (TOTP on) the second step to take. */
export const SignInResponseSchema = Type.Union([TokenResponseSchema, MfaRequiredSchema], {
  title: 'SignInResponse',
});
