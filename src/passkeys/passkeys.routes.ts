import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { Type } from '@sinclair/typebox';
import { created } from '../http/preconditions.js';
import { bearer, NoContent, problems } from '../http/schemas.js';
import { read, work } from '../http/unit-of-work.js';
import {
  AddPasskeyBody,
  CeremonyOptions,
  PasskeyIdParams,
  PasskeySchema,
} from './passkeys.schemas.js';
import {
  addPasskey,
  listPasskeys,
  registrationOptions,
  removePasskey,
  type RelyingParty,
} from './passkeys.service.js';

/** `/api/v1/users/me/passkeys`: the caller's passkeys (a signed-in session only). */
export const passkeyRoutes: FastifyPluginAsyncTypebox<{ rp: RelyingParty }> = async (
  app,
  { rp },
) => {
  const common = { tags: ['passkeys'], security: bearer };
  app.addHook('preHandler', app.requireSession);

  app.post(
    '/me/passkeys/options',
    {
      schema: {
        ...common,
        summary: 'Options for navigator.credentials.create (a discoverable credential)',
        response: { 200: CeremonyOptions, ...problems(401, 403) },
      },
    },
    (request) => work(request, (tx, ctx) => registrationOptions(tx, ctx, rp)),
  );

  app.post(
    '/me/passkeys',
    {
      schema: {
        ...common,
        summary: 'Register a passkey with what navigator.credentials.create answered',
        body: AddPasskeyBody,
        response: { 201: PasskeySchema, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const input = {
        name: request.body.name,
        response: request.body.response as unknown as RegistrationResponseJSON,
      };
      const passkey = await work(request, (tx, ctx) => addPasskey(tx, ctx, rp, input));
      return created(reply, `/api/v1/users/me/passkeys/${passkey.id}`).send(passkey);
    },
  );

  app.get(
    '/me/passkeys',
    {
      schema: {
        ...common,
        summary: 'The caller’s passkeys',
        response: { 200: Type.Object({ data: Type.Array(PasskeySchema) }), ...problems(401, 403) },
      },
    },
    async (request) => ({ data: await read(request, listPasskeys) }),
  );

  app.delete(
    '/me/passkeys/:id',
    {
      schema: {
        ...common,
        summary: 'Remove a passkey (never the last way to sign in: 409)',
        params: PasskeyIdParams,
        response: { 204: NoContent, ...problems(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await work(request, (tx, ctx) => removePasskey(tx, ctx, request.params.id));
      return reply.code(204).send(null);
    },
  );
  await Promise.resolve();
};
