import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { bearer, NoContent, problems, Uuid } from '../http/schemas.js';
import { read, work } from '../http/unit-of-work.js';
import {
  AdminUpdateUserBody,
  AdminUserSchema,
  ChangePasswordBody,
  DeleteAccountBody,
} from '../users/users.schemas.js';
import { adminUpdateUser } from './admin-users.service.js';
import {
  changePassword,
  checkDeletion,
  checkPasswordChange,
  deleteAccount,
} from './accounts.service.js';

/** `/api/v1/users/me`: what changes the caller's account as a whole (password, deletion). */
export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['users'], security: bearer };
  // A personal access token may not change the password or delete the account.
  app.addHook('preHandler', app.requireSession);

  app.put(
    '/me/password',
    {
      schema: {
        ...common,
        summary: 'Change password; other sessions end',
        body: ChangePasswordBody,
        response: { 204: NoContent, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const passwordHash = await read(request, (db, ctx) =>
        checkPasswordChange(db, ctx, request.body),
      );
      await work(request, (tx, ctx) => changePassword(tx, ctx, passwordHash));
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
        response: { 204: NoContent, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      await read(request, (db, ctx) => checkDeletion(db, ctx, request.body?.password));
      await work(request, deleteAccount);
      return reply.code(204).send(null);
    },
  );
  await Promise.resolve();
};

/** `/api/v1/admin/users/{id}`: an administrator changes a user's role or disables them. */
export const adminAccountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: ['admin'], security: bearer };
  app.addHook('preHandler', app.requireAdmin);

  app.patch(
    '/users/:id',
    {
      schema: {
        ...common,
        summary: 'Change a user’s role, disable them (ends their sessions), or reset their MFA',
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        body: AdminUpdateUserBody,
        response: { 200: AdminUserSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    (request) =>
      work(request, (tx, ctx) => adminUpdateUser(tx, ctx, request.params.id, request.body)),
  );
  await Promise.resolve();
};
