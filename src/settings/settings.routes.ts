import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/passwords.js';
import type { Config } from '../config.js';
import { bearer, problems } from '../http/schemas.js';
import { work } from '../http/unit-of-work.js';
import { publicProviders } from '../oauth/providers.js';
import { readSettings, updateSettings } from './settings.service.js';

const SettingsSchema = Type.Object({ registrationOpen: Type.Boolean() });

const ConfigSchema = Type.Object({
  app: Type.Object({
    name: Type.String(),
    version: Type.String(),
    registrationOpen: Type.Boolean(),
    providers: Type.Array(
      Type.Object({ id: Type.String(), name: Type.String(), type: Type.String() }),
    ),
    passwordRules: Type.Object({ minLength: Type.Integer(), maxLength: Type.Integer() }),
  }),
  flags: Type.Record(Type.String(), Type.Boolean()),
});

/** `GET /config` for anyone; `GET/PATCH /admin/settings` for administrators. */
export const settingsRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (
  app,
  { config },
) => {
  const providers = publicProviders(app.oauth.providers);

  app.get(
    '/config',
    {
      preHandler: app.optionalAuth,
      schema: {
        tags: ['config'],
        summary: 'Public settings and every flag evaluated for the caller (anonymous allowed)',
        response: { 200: ConfigSchema, ...problems(401) },
      },
    },
    async (request) => {
      const [settings, flags] = await Promise.all([
        readSettings(app.db, app.cache),
        app.flags.evaluateAll(request.actor?.userId ?? null),
      ]);
      return {
        app: {
          name: config.app.name,
          version: config.app.version,
          registrationOpen: settings.registrationOpen,
          providers,
          passwordRules: { minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH },
        },
        flags,
      };
    },
  );

  const admin = { tags: ['admin'], security: bearer };
  app.get(
    '/admin/settings',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...admin,
        summary: 'Settings kept in the database',
        response: { 200: SettingsSchema, ...problems(401, 403) },
      },
    },
    () => readSettings(app.db, app.cache),
  );

  app.patch(
    '/admin/settings',
    {
      preHandler: app.requireAdmin,
      schema: {
        ...admin,
        summary: 'Change settings (e.g. close registration)',
        body: Type.Object(
          { registrationOpen: Type.Optional(Type.Boolean()) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: SettingsSchema, ...problems(400, 401, 403) },
      },
    },
    (request) => work(request, (tx, ctx) => updateSettings(tx, ctx, request.body)),
  );
  await Promise.resolve();
};
