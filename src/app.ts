import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Writable } from 'node:stream';
import { controlPlugin } from './control/control.plugin.js';
import { secureContext } from './http/tls.js';
import { accountRoutes, adminAccountRoutes } from './accounts/accounts.routes.js';
import { authPlugin } from './auth/auth.plugin.js';
import { auditPlugin } from './audit/audit.plugin.js';
import { auditRoutes } from './audit/audit.routes.js';
import { authRoutes } from './auth/auth.routes.js';
import { signInRoutes } from './auth/sign-in.routes.js';
import { claimedUserId, sessionPrefetchPlugin } from './auth/authenticate.js';
import { tokensPlugin } from './auth/access-tokens.js';
import { jwksRoutes } from './auth/jwks.routes.js';
import type { Config } from './config.js';
import { flagsPlugin } from './flags/flags.plugin.js';
import { flagRoutes } from './flags/flags.routes.js';
import { consoleRoutes } from './console/console.routes.js';
import { healthRoutes } from './health/health.routes.js';
import { corsPlugin } from './http/cors.js';
import { drainOnClosePlugin, drainPlugin } from './http/drain.js';
import { openapiPlugin } from './http/openapi.js';
import { frameworkErrors, notFoundPlugin, problemsPlugin } from './http/problem.js';
import { rateLimitPlugin } from './http/rate-limit.js';
import { genReqId, requestIdPlugin } from './http/request-id.js';
import { LOG_REDACT_PATHS, PRETTY_LOG, requestLogPlugin } from './http/request-log.js';
import { securityHeaders, securityHeadersPlugin } from './http/security-headers.js';
import { unitOfWorkPlugin } from './http/unit-of-work.js';
import { createValidatorCompiler } from './http/validation.js';
import { baselineRoutes } from './baselines/baselines.routes.js';
import { importRoutes } from './imports/imports.routes.js';
import { approvalRoutes } from './approvals/approvals.routes.js';
import { conditionalGetPlugin } from './http/preconditions.js';
import { exportRoutes } from './documents/export.routes.js';
import { itemRoutes } from './items/items.routes.js';
import { linkRoutes } from './links/links.routes.js';
import { mailPlugin } from './mail/mail.plugin.js';
import { mfaRoutes } from './mfa/mfa.routes.js';
import { passkeyRoutes } from './passkeys/passkeys.routes.js';
import { relyingPartyOf } from './passkeys/relying-party.js';
import { identityRoutes } from './oauth/identities.routes.js';
import { oauthPlugin } from './oauth/oauth.plugin.js';
import { oauthRoutes } from './oauth/oauth.routes.js';
import { cachePlugin, type Cache } from './platform/cache.js';
import { encryptionPlugin } from './platform/crypto.js';
import { databasePlugin, type DatabaseHandle } from './platform/database.js';
import { errorReportingPlugin } from './platform/error-reporting.js';
import { metricsPlugin } from './platform/metrics.js';
import { activityRoutes } from './projects/activity.routes.js';
import { webhookRoutes } from './projects/webhooks.routes.js';
import { linkTypeRoutes } from './projects/link-types.routes.js';
import { projectRoutes } from './projects/projects.routes.js';
import { projectOwnerEmails } from './projects/projects.service.js';
import { readSettings } from './settings/settings.service.js';
import { settingsRoutes } from './settings/settings.routes.js';
import { specificationRoutes } from './specifications/specifications.routes.js';
import { tokenRoutes } from './tokens/tokens.routes.js';
import { adminUserRoutes, userRoutes } from './users/users.routes.js';
import { webhooksPlugin } from './webhooks/webhooks.plugin.js';

export interface BuildOptions {
  /** An open database to use instead of opening the configured one (not closed by the app). */
  database?: DatabaseHandle;
  /** A cache to use instead of opening the configured one (not closed by the app). */
  cache?: Cache;
  /** Where logs go instead of standard output (tests read them). */
  logStream?: Writable;
}

/**
 * Builds the whole service as a Fastify instance. Its parts are named plugins that declare what
 * they depend on (registering one before its dependencies fails at start); hooks run in the order
 * registered here.
 */
export async function buildApp(
  config: Config,
  options: BuildOptions = {},
): Promise<FastifyInstance> {
  const headers = securityHeaders(config);
  const app = Fastify({
    logger: {
      level: config.log.level,
      redact: { paths: LOG_REDACT_PATHS, censor: '[REDACTED]' },
      ...(options.logStream
        ? { stream: options.logStream }
        : config.log.pretty
          ? { transport: PRETTY_LOG }
          : {}),
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
    frameworkErrors: frameworkErrors(headers.api),
    // HTTPS (TLS 1.3 only) when TLS_CERT_FILE and TLS_KEY_FILE are set.
    https: config.tls === null ? null : secureContext(config.tls),
  }).withTypeProvider<TypeBoxTypeProvider>();

  for (const warning of config.warnings) app.log.warn(warning);
  app.setValidatorCompiler(createValidatorCompiler());
  // JSON only: a text/plain body is 415, not a string that slips past the schema.
  app.removeContentTypeParser('text/plain');
  // An empty JSON body is no body: fetch wrappers send `Content-Type: application/json` on every
  // POST, also where there is nothing to send (logout). A route that needs a body still gets its
  // 400 from its schema; anything else goes to Fastify's own parser (prototype poisoning refused).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text === '') done(null, undefined);
    else void parseJson(request, text, done);
  });

  // What every request passes through, in this order.
  await app.register(requestIdPlugin);
  await app.register(requestLogPlugin);
  // Half the shutdown budget for in-flight work; the rest is for closing connections.
  await app.register(drainPlugin, { maxWaitMs: Math.floor(config.http.shutdownTimeoutMs / 2) });
  await app.register(securityHeadersPlugin, { headers });
  await app.register(corsPlugin, { config });

  // Platform: one plugin per outside dependency.
  await app.register(databasePlugin, {
    config,
    ...(options.database ? { database: options.database } : {}),
  });
  await app.register(cachePlugin, { config, ...(options.cache ? { cache: options.cache } : {}) });
  await app.register(metricsPlugin);
  await app.register(errorReportingPlugin, { config });
  await app.register(problemsPlugin);
  await app.register(conditionalGetPlugin);
  await app.register(encryptionPlugin, { config });
  await app.register(unitOfWorkPlugin);
  await app.register(tokensPlugin, { config });
  await app.register(sessionPrefetchPlugin);
  await app.register(rateLimitPlugin, {
    config,
    userOf: (request) => claimedUserId(request, app.tokens),
  });
  await app.register(notFoundPlugin);
  await app.register(openapiPlugin, { config });
  await app.register(mailPlugin, { config });
  await app.register(drainOnClosePlugin);
  await app.register(controlPlugin, { config });

  // Features.
  await app.register(flagsPlugin);
  await app.register(authPlugin, {
    config,
    registrationOpen: async () => (await readSettings(app.db, app.cache)).registrationOpen,
  });
  await app.register(oauthPlugin, { config });
  await app.register(auditPlugin, { retentionDays: config.audit.retentionDays });
  await app.register(webhooksPlugin, { config, ownersOf: projectOwnerEmails });

  await app.register(healthRoutes, { version: config.app.version });
  await app.register(consoleRoutes, { headers: headers.console });
  await app.register(jwksRoutes);
  await app.register(authRoutes, {
    prefix: '/api/v1/auth',
    authPerMinute: config.auth.rateLimitPerMinute,
  });
  await app.register(oauthRoutes, {
    prefix: '/api/v1/auth',
    authPerMinute: config.auth.rateLimitPerMinute,
  });
  const rp = relyingPartyOf(config);
  await app.register(signInRoutes, {
    prefix: '/api/v1/auth',
    authPerMinute: config.auth.rateLimitPerMinute,
    rp,
  });
  await app.register(userRoutes, { prefix: '/api/v1/users' });
  await app.register(accountRoutes, { prefix: '/api/v1/users' });
  await app.register(identityRoutes, { prefix: '/api/v1/users' });
  await app.register(tokenRoutes, { prefix: '/api/v1/users' });
  await app.register(mfaRoutes, {
    prefix: '/api/v1/users',
    issuer: config.app.name,
    lockout: app.authDeps.throttle,
  });
  await app.register(passkeyRoutes, { prefix: '/api/v1/users', rp });
  await app.register(adminUserRoutes, { prefix: '/api/v1/admin' });
  await app.register(adminAccountRoutes, { prefix: '/api/v1/admin' });
  await app.register(flagRoutes, { prefix: '/api/v1/admin' });
  await app.register(auditRoutes, { prefix: '/api/v1/admin' });
  await app.register(settingsRoutes, { prefix: '/api/v1', config });
  await app.register(projectRoutes, { prefix: '/api/v1' });
  await app.register(activityRoutes, { prefix: '/api/v1' });
  await app.register(webhookRoutes, {
    prefix: '/api/v1',
    policy: { production: config.env === 'production' },
  });
  await app.register(specificationRoutes, { prefix: '/api/v1' });
  await app.register(itemRoutes, { prefix: '/api/v1' });
  await app.register(exportRoutes, { prefix: '/api/v1' });
  await app.register(linkTypeRoutes, { prefix: '/api/v1' });
  await app.register(linkRoutes, { prefix: '/api/v1' });
  await app.register(baselineRoutes, { prefix: '/api/v1' });
  await app.register(approvalRoutes, { prefix: '/api/v1' });
  await app.register(importRoutes, {
    prefix: '/api/v1',
    importMaxBytes: config.http.importMaxBytes,
  });
  return app;
}
