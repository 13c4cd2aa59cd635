import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from '../http/schemas.js';

export const PasskeySchema = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    createdAt: Timestamp,
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'Passkey' },
);

/**
 * What `navigator.credentials.create()` / `.get()` answered, as JSON (`PublicKeyCredential.toJSON()`
 * or @simplewebauthn/browser); the library verifies its inside.
 */
const CredentialResponse = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 1024 }),
    rawId: Type.String({ minLength: 1, maxLength: 1024 }),
    type: Type.Literal('public-key'),
    response: Type.Object({}, { additionalProperties: true }),
    clientExtensionResults: Type.Object({}, { additionalProperties: true }),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: true },
);

export const AddPasskeyBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    response: CredentialResponse,
  },
  { additionalProperties: false },
);

export const PasskeyLoginBody = Type.Object(
  { response: CredentialResponse },
  { additionalProperties: false },
);

/** Options for the browser's WebAuthn call, as JSON (challenge and ids in base64url). */
export const CeremonyOptions = Type.Object(
  {},
  { additionalProperties: true, title: 'WebAuthnOptions' },
);

export const PasskeyIdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
