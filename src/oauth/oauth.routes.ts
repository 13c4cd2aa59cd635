import fastifyCookie from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SignInResponseSchema } from '../auth/auth.schemas.js';
import { perIpPerMinute } from '../http/rate-limit.js';
import { problems } from '../http/schemas.js';
import { anonymousRead } from '../http/unit-of-work.js';
import { federatedResponse, federatedSignIn, idTokenFlow } from './oauth.flows.js';
import { randomToken } from '../platform/crypto.js';
import {
  CallbackQuery,
  ExchangeBody,
  IdTokenBody,
  ProviderParams,
  ProvidersResponse,
  Redirect,
  StartQuery,
} from './oauth.schemas.js';
import { publicProviders } from './providers.js';
import { finishSignIn, redeemLoginCode, startSignIn, STATE_TTL_SECONDS } from './oauth.service.js';

/** A browser cookie we set: 32 random bytes, base64url. Anything else is not ours. */
const BROWSER_VALUE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The cookie that ties a sign-in to the browser that started it (against login CSRF). Behind
 * https it is a `__Host-` cookie, which a sibling subdomain cannot plant.
 */
function browserCookie(publicUrl: string) {
  const url = new URL(publicUrl);
  const secure = url.protocol === 'https:';
  return {
    name: secure ? '__Host-gilla_oauth' : 'gilla_oauth',
    options: {
      path: secure ? '/' : `${url.pathname.replace(/\/+$/, '')}/api/v1/auth/oauth`,
      httpOnly: true,
      sameSite: 'lax' as const,
      secure,
      maxAge: STATE_TTL_SECONDS,
    },
  };
}

/** `/api/v1/auth`: the enabled providers, browser sign-in, login-code exchange, ID-token sign-in. */
export const oauthRoutes: FastifyPluginAsyncTypebox<{ authPerMinute: number }> = async (
  app,
  { authPerMinute },
) => {
  await app.register(fastifyCookie);
  const tags = ['oauth'];
  const strict = perIpPerMinute(authPerMinute);
  const deps = app.oauth;
  const cookie = browserCookie(deps.publicUrl);
  const providers = publicProviders(deps.providers);

  app.get(
    '/providers',
    {
      schema: {
        tags,
        summary: 'The enabled sign-in providers',
        response: { 200: ProvidersResponse },
      },
    },
    () => ({ data: providers }),
  );

  app.get(
    '/oauth/:provider/start',
    {
      schema: {
        tags,
        summary: 'Send the browser to the provider (state, nonce and PKCE S256, kept 10 minutes)',
        params: ProviderParams,
        querystring: StartQuery,
        response: { 302: Redirect, ...problems(400, 404, 429) },
      },
    },
    async (request, reply) => {
      const held = request.cookies[cookie.name];
      const browser = held !== undefined && BROWSER_VALUE.test(held) ? held : randomToken();
      const location = await anonymousRead(request, (db, ctx) =>
        startSignIn(db, ctx, deps, {
          provider: request.params.provider,
          redirectTo: request.query.redirectTo,
          appChallenge: request.query.codeChallenge,
          browser,
        }),
      );
      return reply
        .setCookie(cookie.name, browser, cookie.options)
        .header('cache-control', 'no-store')
        .redirect(location, 302);
    },
  );

  app.get(
    '/oauth/:provider/callback',
    {
      schema: {
        tags,
        summary: 'Where the provider sends the browser back; redirects to redirectTo',
        description:
          'Redirects to `redirectTo` with a one-time `loginCode` (60 s), or with `error` ' +
          '(`access_denied`, `invalid_state`, `invalid_id_token`, `account_exists`, ' +
          '`account_disabled`, `email_not_verified`, `email_required`, `registration_closed`, ' +
          '`provider_error`, `temporarily_unavailable`, `server_error`).',
        params: ProviderParams,
        querystring: CallbackQuery,
        response: { 302: Redirect, ...problems(400, 404, 429) },
      },
    },
    async (request, reply) => {
      const input = {
        provider: request.params.provider,
        callbackUrl: new URL(request.url, deps.publicUrl),
        browser: request.cookies[cookie.name],
      };
      const location = await anonymousRead(request, (db, ctx) =>
        finishSignIn(db, ctx, deps, input, federatedSignIn(request, deps.auth)),
      );
      return reply.header('cache-control', 'no-store').redirect(location, 302);
    },
  );

  app.post(
    '/oauth/exchange',
    {
      config: strict,
      schema: {
        tags,
        summary: 'Turn a login code into a token response (once, within 60 seconds)',
        body: ExchangeBody,
        response: { 200: SignInResponseSchema, ...problems(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request) => {
      const user = await anonymousRead(request, (db) => redeemLoginCode(db, deps, request.body));
      return federatedResponse(request, deps.auth, user, 'oauth');
    },
  );

  app.post(
    '/oauth/:provider/token',
    {
      config: strict,
      schema: {
        tags,
        summary: "Sign in with a provider's ID token the client already holds",
        params: ProviderParams,
        body: IdTokenBody,
        response: {
          200: SignInResponseSchema,
          ...problems(400, 401, 403, 404, 409, 413, 415, 429, 503),
        },
      },
    },
    (request) => idTokenFlow(request, deps, { provider: request.params.provider, ...request.body }),
  );
};
