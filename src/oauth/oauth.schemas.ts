import { Type } from '@sinclair/typebox';
import { OpaqueToken } from '../auth/auth.schemas.js';

export const ProviderSchema = Type.Object({
  id: Type.String({ description: '`google`, `github` or `oidc`' }),
  name: Type.String(),
  type: Type.Union([Type.Literal('oidc'), Type.Literal('oauth2')]),
});

export const ProvidersResponse = Type.Object({ data: Type.Array(ProviderSchema) });

export const ProviderParams = Type.Object(
  { provider: Type.String({ maxLength: 32 }) },
  { additionalProperties: false },
);

export const StartQuery = Type.Object(
  {
    redirectTo: Type.Optional(
      Type.String({
        maxLength: 2048,
        description: 'Where to send the browser afterwards; must be on OAUTH_REDIRECT_ALLOWLIST',
      }),
    ),
    codeChallenge: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_-]{43}$',
        description:
          "The app's own PKCE challenge, BASE64URL(SHA-256(verifier)); the login code is then only redeemed with `codeVerifier`",
      }),
    ),
  },
  { additionalProperties: false },
);

// Providers add their own parameters to the callback (Google: scope, authuser, prompt, hd).
export const CallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 4096 })),
    state: Type.Optional(Type.String({ maxLength: 512 })),
    error: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);

export const Redirect = Type.Null({ description: 'Redirect (see Location)' });

export const ExchangeBody = Type.Object(
  {
    loginCode: OpaqueToken,
    codeVerifier: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9._~-]{43,128}$',
        description: 'The PKCE verifier, required when `start` had a codeChallenge',
      }),
    ),
  },
  { additionalProperties: false },
);

export const IdTokenBody = Type.Object(
  {
    idToken: Type.String({ minLength: 1, maxLength: 16_384 }),
    nonce: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);
