import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { bearer, Page, problems } from '../http/schemas.js';
import { read } from '../http/unit-of-work.js';
import {
  AdminUserSchema,
  AdminUsersQuery,
  UpdateProfileBody,
  UserSchema,
} from './users.schemas.js';
import { getUser, listUsersPage, updateProfile } from './users.service.js';

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
    (request) => read(request, getUser),
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
    (request) => read(request, (db, ctx) => updateProfile(db, ctx, request.body)),
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

  await Promise.resolve();
};
