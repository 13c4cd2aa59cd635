import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { created } from '../http/preconditions.js';
import { perIpPerMinute } from '../http/rate-limit.js';
import { bearer, NoContent, problems } from '../http/schemas.js';
import { anonymousWork, read, work } from '../http/unit-of-work.js';
import { loginFlow, refreshFlow, registerFlow } from './auth.flows.js';
import {
  ForgotBody,
  LoginBody,
  RefreshBody,
  RegisterBody,
  ResetBody,
  SessionIdParams,
  SessionSchema,
  SignInResponseSchema,
  TokenResponseSchema,
  VerifyBody,
} from './auth.schemas.js';
import {
  endOwnSession,
  forgotPassword,
  logout,
  resendVerification,
  resetPassword,
  verifyEmail,
} from './auth.service.js';
import { acceptableHash } from './passwords.js';
import { listSessions } from './sessions.service.js';

/** `/api/v1/auth`: registration, login, tokens, sessions, password reset, e-mail verification. */
export const authRoutes: FastifyPluginAsyncTypebox<{ authPerMinute: number }> = async (
  app,
  { authPerMinute },
) => {
  const tags = ['auth'];
  const strict = perIpPerMinute(authPerMinute);
  const deps = app.authDeps;

  app.post(
    '/register',
    {
      config: strict,
      schema: {
        tags,
        summary: 'Create an account with e-mail and password',
        body: RegisterBody,
        response: { 201: TokenResponseSchema, ...problems(400, 403, 409, 413, 415, 429) },
      },
    },
    async (request, reply) =>
      created(reply, '/api/v1/users/me').send(await registerFlow(request, deps, request.body)),
  );

  app.post(
    '/login',
    {
      config: strict,
      schema: {
        tags,
        summary: 'Sign in with e-mail and password (with TOTP on: the second step to take)',
        body: LoginBody,
        response: { 200: SignInResponseSchema, ...problems(400, 401, 403, 429) },
      },
    },
    (request) => loginFlow(request, deps, request.body),
  );

  app.post(
    '/refresh',
    {
      schema: {
        tags,
        summary: 'Exchange a refresh token for a new pair (single use, rotating)',
        body: RefreshBody,
        response: { 200: TokenResponseSchema, ...problems(400, 401, 429) },
      },
    },
    (request) => refreshFlow(request, deps, request.body.refreshToken),
  );

  app.post(
    '/logout',
    {
      preHandler: app.requireSession,
      schema: {
        tags,
        security: bearer,
        summary: 'End this session',
        response: { 204: NoContent, ...problems(401, 403) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) => logout(tx, ctx, 'this'));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/logout-all',
    {
      preHandler: app.requireSession,
      schema: {
        tags,
        security: bearer,
        summary: 'End every session of the user',
        response: { 204: NoContent, ...problems(401, 403) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) => logout(tx, ctx, 'all'));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/sessions',
    {
      preHandler: app.requireSession,
      schema: {
        tags,
        security: bearer,
        summary: "The user's live sessions",
        response: {
          200: Type.Object({ data: Type.Array(SessionSchema) }),
          ...problems(401, 403),
        },
      },
    },
    async (request) => ({ data: await read(request, listSessions) }),
  );

  app.delete(
    '/sessions/:id',
    {
      preHandler: app.requireSession,
      schema: {
        tags,
        security: bearer,
        summary: 'End one of the user’s sessions',
        params: SessionIdParams,
        response: { 204: NoContent, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) => endOwnSession(tx, ctx, request.params.id));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/password/forgot',
    {
      config: strict,
      schema: {
        tags,
        summary: 'Mail a single-use reset link (answers 202 whether or not the account exists)',
        body: ForgotBody,
        response: { 202: NoContent, ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      // Answer first, then look the account up: the response time tells nothing about whether
      // the address has an account.
      const { email } = request.body;
      app.afterResponse(reply, () =>
        anonymousWork(request, (tx, ctx) => forgotPassword(tx, ctx, deps, email)),
      );
      return reply.code(202).send(null);
    },
  );

  app.post(
    '/password/reset',
    {
      config: strict,
      schema: {
        tags,
        summary: 'Set a new password with a reset token; ends every session',
        body: ResetBody,
        response: { 204: NoContent, ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      const passwordHash = await acceptableHash(request.body.password);
      await anonymousWork(request, (tx, ctx) =>
        resetPassword(tx, ctx, { token: request.body.token, passwordHash }),
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/email/verify',
    {
      config: strict,
      schema: {
        tags,
        summary: 'Confirm an e-mail address',
        body: VerifyBody,
        response: { 204: NoContent, ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      await anonymousWork(request, (tx) => verifyEmail(tx, request.body.token));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/email/verify/resend',
    {
      config: strict,
      preHandler: app.authenticate,
      schema: {
        tags,
        security: bearer,
        summary: 'Send a fresh verification link',
        response: { 202: NoContent, ...problems(401, 429) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) => resendVerification(tx, ctx, deps));
      return reply.code(202).send(null);
    },
  );
  await Promise.resolve();
};
