import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { perIpPerMinute } from '../http/rate-limit.js';
import { problems } from '../http/schemas.js';
import { anonymousWork } from '../http/unit-of-work.js';
import { MfaVerifyBody } from '../mfa/mfa.schemas.js';
import { CeremonyOptions, PasskeyLoginBody } from '../passkeys/passkeys.schemas.js';
import { loginOptions, type RelyingParty } from '../passkeys/passkeys.service.js';
import { mfaVerifyFlow, passkeyLoginFlow } from './auth.flows.js';
import { TokenResponseSchema } from './auth.schemas.js';

/** `/api/v1/auth`: the second step of a sign-in, and signing in with a passkey. */
export const signInRoutes: FastifyPluginAsyncTypebox<{
  authPerMinute: number;
  rp: RelyingParty;
}> = async (app, { authPerMinute, rp }) => {
  const tags = ['auth'];
  const strict = perIpPerMinute(authPerMinute);
  const deps = app.authDeps;

  app.post(
    '/mfa/verify',
    {
      config: strict,
      schema: {
        tags,
        summary: 'The second step: the mfaToken with a TOTP code or a recovery code (each once)',
        body: MfaVerifyBody,
        response: { 200: TokenResponseSchema, ...problems(400, 401, 403, 429) },
      },
    },
    (request) => mfaVerifyFlow(request, deps, request.body),
  );

  app.post(
    '/passkey/options',
    {
      config: strict,
      schema: {
        tags,
        summary: 'Options for navigator.credentials.get (discoverable: no e-mail typed)',
        response: { 200: CeremonyOptions, ...problems(429) },
      },
    },
    (request) => anonymousWork(request, (tx) => loginOptions(tx, rp)),
  );

  app.post(
    '/passkey/login',
    {
      config: strict,
      schema: {
        tags,
        summary: 'Sign in with what navigator.credentials.get answered',
        body: PasskeyLoginBody,
        response: { 200: TokenResponseSchema, ...problems(400, 401, 403, 429) },
      },
    },
    (request) =>
      passkeyLoginFlow(
        request,
        deps,
        rp,
        request.body.response as unknown as AuthenticationResponseJSON,
      ),
  );
  await Promise.resolve();
};
