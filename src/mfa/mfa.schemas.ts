import { Type } from '@sinclair/typebox';
import { Timestamp } from '../http/schemas.js';

const Code = Type.String({
  minLength: 6,
  maxLength: 6,
  pattern: '^[0-9]{6}$',
  example: '492039',
  description: 'The 6 digits the authenticator app shows',
});
const RecoveryCode = Type.String({ minLength: 1, maxLength: 64, example: 'k7mq-2xva-9rtc-h4pe' });

export const TotpEnrolmentSchema = Type.Object(
  {
    secret: Type.String({ description: 'Base32, for typing into an authenticator app' }),
    otpauthUrl: Type.String({ description: 'The `otpauth://` URL, for a QR code' }),
  },
  { title: 'TotpEnrolment' },
);

export const TotpStateSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Sign-ins take a second step' }),
    enabledAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'TotpState' },
);

export const TotpVerifyBody = Type.Object({ code: Code }, { additionalProperties: false });

export const RecoveryCodesSchema = Type.Object(
  {
    recoveryCodes: Type.Array(Type.String(), {
      minItems: 10,
      maxItems: 10,
      example: Array.from({ length: 10 }, (_, i) => `k7mq-2xva-9rtc-h4p${i}`),
    }),
  },
  { title: 'RecoveryCodes' },
);

/** A current code, or (the phone is gone) a recovery code. */
export const SecondFactorBody = Type.Union([
  Type.Object({ code: Code }, { additionalProperties: false }),
  Type.Object({ recoveryCode: RecoveryCode }, { additionalProperties: false }),
]);

export const MfaVerifyBody = Type.Union([
  Type.Object(
    { mfaToken: Type.String({ minLength: 1, maxLength: 200 }), code: Code },
    { additionalProperties: false },
  ),
  Type.Object(
    { mfaToken: Type.String({ minLength: 1, maxLength: 200 }), recoveryCode: RecoveryCode },
    { additionalProperties: false },
  ),
]);

export const MfaRequiredSchema = Type.Object(
  {
    mfaRequired: Type.Literal(true),
    mfaToken: Type.String({ description: 'For `POST /auth/mfa/verify`, within 5 minutes' }),
    methods: Type.Array(Type.String()),
  },
  { title: 'MfaRequired' },
);
