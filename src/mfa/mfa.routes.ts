import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InvalidMfaCodeError } from '../domain/errors.js';
import { bearer, NoContent, problems } from '../http/schemas.js';
import { read, work } from '../http/unit-of-work.js';
import {
  RecoveryCodesSchema,
  SecondFactorBody,
  TotpEnrolmentSchema,
  TotpStateSchema,
  TotpVerifyBody,
} from './mfa.schemas.js';
import { confirmTotp, disableTotp, startTotp, totpState, type Lockout } from './mfa.service.js';

/** `/api/v1/users/me/mfa`: the caller's TOTP (a signed-in session only). */
export const mfaRoutes: FastifyPluginAsyncTypebox<{ issuer: string; lockout: Lockout }> = async (
  app,
  { issuer, lockout },
) => {
  const common = { tags: ['mfa'], security: bearer };
  app.addHook('preHandler', app.requireSession);

  app.get(
    '/me/mfa/totp',
    {
      schema: {
        ...common,
        summary: 'Whether the caller signs in with TOTP',
        response: { 200: TotpStateSchema, ...problems(401, 403) },
      },
    },
    (request) => read(request, totpState),
  );

  app.post(
    '/me/mfa/totp',
    {
      schema: {
        ...common,
        summary: 'Start TOTP enrolment: a new secret, pending until a first code confirms it',
        response: { 200: TotpEnrolmentSchema, ...problems(401, 403, 409) },
      },
    },
    (request) => work(request, (tx, ctx) => startTotp(tx, ctx, issuer)),
  );

  app.post(
    '/me/mfa/totp/verify',
    {
      schema: {
        ...common,
        summary: 'Confirm TOTP with a first code; answers ten single-use recovery codes, once',
        body: TotpVerifyBody,
        response: { 200: RecoveryCodesSchema, ...problems(400, 401, 403, 409) },
      },
    },
    (request) => work(request, (tx, ctx) => confirmTotp(tx, ctx, request.body.code)),
  );

  app.delete(
    '/me/mfa/totp',
    {
      schema: {
        ...common,
        summary: 'Turn TOTP off, with a current code or a recovery code',
        body: SecondFactorBody,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const off = await work(request, (tx, ctx) => disableTotp(tx, ctx, lockout, request.body));
      if (!off) throw new InvalidMfaCodeError();
      return reply.code(204).send(null);
    },
  );
  await Promise.resolve();
};
