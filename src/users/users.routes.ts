import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actorOf } from '../http/actor.js';
import { bearer, NoContent, Page, problems, Uuid } from '../http/schemas.js';
import { adminUpdateUser, listUsersPage } from './admin-users.service.js';
import {
  AdminUpdateUserBody,
  AdminUserSchema,
  AdminUsersQuery,
  ChangePasswordBody,
  DeleteAccountBody,
  UpdateProfileBody,
  UserSchema,
} from './users.schemas.js';
import { unlinkProvider } from '../oauth/identities.service.js';
import { changePassword, deleteAccount, getUser, updateProfile } from './users.service.js';

/** `/api/v1/users/me`: the caller's own account. */
export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['users'], security: bearer };
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/me',
    {
      schema: {
        ...common,
        summary: 'The signed-in user',
        response: { 200: UserSchema, ...problems(401) },
      },
    },
    (request) => getUser(app.db, actorOf(request).userId),
  );

  app.patch(
    '/me',
    {
      schema: {
        ...common,
        summary: 'Change name or avatar (role, email and id are not writable)',
        body: UpdateProfileBody,
        response: { 200: UserSchema, ...problems(400, 401) },
      },
    },
    (request) => updateProfile(app.db, actorOf(request).userId, request.body),
  );

  app.put(
    '/me/password',
    {
      schema: {
        ...common,
        summary: 'Change password; other sessions end',
        body: ChangePasswordBody,
        response: { 204: NoContent, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      await changePassword(app.db, app.cache, actorOf(request), request.body);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/me',
    {
      schema: {
        ...common,
        summary:
          'Delete the account, with the projects only it is in (409 while it is the last owner of a shared one)',
        body: Type.Optional(DeleteAccountBody),
        response: { 204: NoContent, ...problems(400, 401, 409) },
      },
    },
    async (request, reply) => {
      await deleteAccount(app.db, app.cache, actorOf(request), request.body?.password);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/me/providers/:provider',
    {
      schema: {
        ...common,
        summary: 'Unlink a sign-in provider (never the last way to sign in: 409)',
        params: Type.Object(
          { provider: Type.String({ maxLength: 32 }) },
          { additionalProperties: false },
        ),
        response: { 204: NoContent, ...problems(401, 404, 409) },
      },
    },
    async (request, reply) => {
      await unlinkProvider(app.db, {
        userId: actorOf(request).userId,
        provider: request.params.provider,
        enabled: [...app.oauth.providers.keys()],
      });
      return reply.code(204).send(null);
    },
  );
  await Promise.resolve();
};

/** `/api/v1/admin/users`: user management for administrators. */
export const adminUserRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['admin'], security: bearer };
  app.addHook('preHandler', app.requireAdmin);

  app.get(
    '/users',
    {
      schema: {
        ...common,
        summary: 'A page of users, optionally filtered by e-mail',
        querystring: AdminUsersQuery,
        response: { 200: Page(AdminUserSchema), ...problems(400, 401, 403) },
      },
    },
    (request) => listUsersPage(app.db, request.query),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        ...common,
        summary: 'Change a user’s role or disable them (ends their sessions)',
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        body: AdminUpdateUserBody,
        response: { 200: AdminUserSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    (request) =>
      adminUpdateUser(app.db, app.cache, actorOf(request), request.params.id, request.body),
  );
  await Promise.resolve();
};
