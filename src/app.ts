import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Writable } from 'node:stream';
import type { Config } from './config.js';
import { healthRoutes } from './health/health.routes.js';
import { registerSessionPrefetch } from './http/authenticate.js';
import { registerDrain } from './http/drain.js';
import { registerCors } from './http/cors.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { openapiPlugin } from './http/openapi.js';
import { registerNotFound, registerProblemHandlers } from './http/problem.js';
import { genReqId, registerRequestId } from './http/request-id.js';
import { LOG_REDACT_PATHS, registerRequestLog } from './http/request-log.js';
import { createValidatorCompiler } from './http/validation.js';
import { cachePlugin, type Cache } from './platform/cache.js';
import { databasePlugin, type DatabaseHandle } from './platform/database.js';
import { metricsPlugin } from './platform/metrics.js';
import { errorReportingPlugin } from './platform/error-reporting.js';
import { encryptionPlugin } from './platform/crypto.js';
import { mailPlugin } from './mail/mail.plugin.js';
import { tokensPlugin } from './auth/access-tokens.js';
import { authPlugin } from './auth/auth.plugin.js';
import { rateLimitPlugin } from './http/rate-limit.js';
import { authRoutes } from './auth/auth.routes.js';
import { jwksRoutes } from './auth/jwks.routes.js';
import { flagsPlugin } from './flags/flags.plugin.js';
import { oauthPlugin } from './oauth/oauth.plugin.js';
import { oauthRoutes } from './oauth/oauth.routes.js';
import { flagRoutes } from './flags/flags.routes.js';
import { itemRoutes } from './items/items.routes.js';
import { projectRoutes } from './projects/projects.routes.js';
import { specificationRoutes } from './specifications/specifications.routes.js';
import { settingsRoutes } from './settings/settings.routes.js';
import { adminUserRoutes, userRoutes } from './users/users.routes.js';

export interface BuildOptions {
  /** An open database to use instead of opening the configured one (not closed by the app). */
  database?: DatabaseHandle;
  /** A cache to use instead of opening the configured one (not closed by the app). */
  cache?: Cache;
  /** Where logs go instead of standard output (tests read them). */
  logStream?: Writable;
}

/** Builds the whole service as a Fastify instance: platform first, then the features. */
export async function buildApp(
  config: Config,
  options: BuildOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.log.level,
      redact: { paths: LOG_REDACT_PATHS, censor: '[REDACTED]' },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    genReqId,
    requestIdHeader: false,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: true,
    }),
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    requestTimeout: 60_000,
    return503OnClosing: true,
    // Starting can take longer than Fastify's 10 s: the first start of the embedded database
    // creates it (initdb), and migrations run before the service listens.
    pluginTimeout: 120_000,
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  for (const warning of config.warnings) app.log.warn(warning);
  app.setValidatorCompiler(createValidatorCompiler());
  // JSON only: a text/plain body is 415, not a string that slips past the schema.
  app.removeContentTypeParser('text/plain');
  registerRequestId(app);
  registerProblemHandlers(app);
  registerRequestLog(app);
  // Half the shutdown budget for in-flight work; the rest is for closing connections.
  const drain = registerDrain(app, Math.floor(config.http.shutdownTimeoutMs / 2));

  registerSecurityHeaders(app, config);
  await registerCors(app, config);
  await app.register(databasePlugin, {
    config,
    ...(options.database ? { database: options.database } : {}),
  });
  await app.register(cachePlugin, { config, ...(options.cache ? { cache: options.cache } : {}) });
  await app.register(metricsPlugin);
  await app.register(errorReportingPlugin, { config });
  await app.register(tokensPlugin, { config });
  registerSessionPrefetch(app, app.tokens);
  // Before any route, so that every response is counted and carries the RateLimit headers.
  await app.register(rateLimitPlugin, { config });
  await app.register(encryptionPlugin, { config });
  await app.register(openapiPlugin, { config });
  await app.register(mailPlugin, { config });
  await app.register(flagsPlugin);
  await app.register(authPlugin, {
    config,
    registrationOpen: async () => (await app.settings.get()).registrationOpen,
  });
  await app.register(oauthPlugin, { config });
  // Before any plugin above closes its database, cache or mail worker.
  drain.waitOnClose();
  registerNotFound(app);

  await app.register(healthRoutes, { version: config.app.version });
  await app.register(jwksRoutes);
  await app.register(authRoutes, {
    prefix: '/api/v1/auth',
    authPerMinute: config.auth.rateLimitPerMinute,
  });
  await app.register(oauthRoutes, {
    prefix: '/api/v1/auth',
    authPerMinute: config.auth.rateLimitPerMinute,
  });
  await app.register(userRoutes, { prefix: '/api/v1/users' });
  await app.register(adminUserRoutes, { prefix: '/api/v1/admin' });
  await app.register(flagRoutes, { prefix: '/api/v1/admin' });
  await app.register(settingsRoutes, { prefix: '/api/v1', config });
  await app.register(projectRoutes, { prefix: '/api/v1' });
  await app.register(specificationRoutes, { prefix: '/api/v1' });
  await app.register(itemRoutes, { prefix: '/api/v1' });
  return app;
}
