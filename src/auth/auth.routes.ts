import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { actorOf } from '../http/actor.js';
import { perIpPerMinute } from '../http/rate-limit.js';
import { bearer, NoContent, problems } from '../http/schemas.js';
import {
  ForgotBody,
  LoginBody,
  RefreshBody,
  RegisterBody,
  ResetBody,
  SessionIdParams,
  SessionSchema,
  TokenResponseSchema,
  VerifyBody,
} from './auth.schemas.js';
import {
  endOwnSession,
  forgotPassword,
  login,
  refresh,
  register,
  resendVerification,
  resetPassword,
  verifyEmail,
} from './auth.service.js';
import { endSessions, listSessions } from './sessions.service.js';

function client(request: FastifyRequest) {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent : null };
}

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
      reply.code(201).send(await register(app.db, deps, request.body, client(request))),
  );

  app.post(
    '/login',
    {
      config: strict,
      schema: {
        tags,
        summary: 'Sign in with e-mail and password',
        body: LoginBody,
        response: { 200: TokenResponseSchema, ...problems(400, 401, 403, 429) },
      },
    },
    async (request) => login(app.db, deps, request.body, client(request)),
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
    async (request) => refresh(app.db, deps, request.body.refreshToken, client(request)),
  );

  app.post(
    '/logout',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        security: bearer,
        summary: 'End this session',
        response: { 204: NoContent, ...problems(401) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await endSessions(app.db, app.cache, { userId: actor.userId, sessionId: actor.sessionId });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/logout-all',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        security: bearer,
        summary: 'End every session of the user',
        response: { 204: NoContent, ...problems(401) },
      },
    },
    async (request, reply) => {
      await endSessions(app.db, app.cache, { userId: actorOf(request).userId });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/sessions',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        security: bearer,
        summary: "The user's live sessions",
        response: { 200: Type.Object({ data: Type.Array(SessionSchema) }), ...problems(401) },
      },
    },
    async (request) => ({
      data: await listSessions(app.db, actorOf(request).userId, actorOf(request).sessionId),
    }),
  );

  app.delete(
    '/sessions/:id',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        security: bearer,
        summary: 'End one of the user’s sessions',
        params: SessionIdParams,
        response: { 204: NoContent, ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      await endOwnSession(app.db, deps, actorOf(request).userId, request.params.id);
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
      app.afterResponse(reply, () => forgotPassword(app.db, deps, email));
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
      await resetPassword(app.db, deps, request.body);
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
      await verifyEmail(app.db, request.body.token);
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
      await resendVerification(app.db, deps, actorOf(request).userId);
      return reply.code(202).send(null);
    },
  );
  await Promise.resolve();
};
