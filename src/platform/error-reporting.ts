import fp from 'fastify-plugin';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { scrubEvent, scrubValue } from './error-scrub.js';

/** Where a request's unexpected error was raised. */
export interface ErrorContext {
  requestId: string;
  method: string;
  /** The route template (`/api/v1/items/:id`), never the raw URL with its query. */
  route: string;
  userId?: string | undefined;
}

/** Reports unexpected errors (5xx `internal`) somewhere a person will see them. */
export interface ErrorReporter {
  report(err: unknown, context: ErrorContext): void;
  close(): Promise<void>;
}

const NO_REPORTER: ErrorReporter = {
  report: () => undefined,
  close: () => Promise.resolve(),
};

const KEPT_INTEGRATIONS = new Set([
  'EventFilters',
  'FunctionToString',
  'LinkedErrors',
  'Dedupe',
  'NodeSystemError',
  'OnUncaughtException',
  'OnUnhandledRejection',
  'ContextLines',
  'Context',
]);

/**
 * Sentry, loaded only when SENTRY_DSN is set (the SDK is never imported otherwise). Events go
 * through `scrubEvent`, so tokens, passwords, cookies and bodies never leave the process; no
 * tracing, no personal data by default.
 */
async function openSentry(
  config: Config,
  dsn: string,
  log: FastifyBaseLogger,
): Promise<ErrorReporter> {
  const Sentry = await import('@sentry/node');
  Sentry.init({
    dsn,
    environment: config.sentry.environment,
    release: `gilla@${config.app.version}`,
    // Collect as little as Sentry allows; `scrubEvent` is the second line of defence.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: {
        request: { allow: ['user-agent', 'content-type', 'x-request-id'] },
        response: false,
      },
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
      genAI: { inputs: false, outputs: false },
    },
    // Gilla's own error handler reports request errors (so no Fastify, HTTP or console hooks);
    // these add the error's cause chain, the runtime's context, and process-level crashes.
    integrations: (defaults) => defaults.filter((i) => KEPT_INTEGRATIONS.has(i.name)),
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: (crumb) => scrubValue(crumb) as typeof crumb,
  });
  log.info({ environment: config.sentry.environment }, 'error reporting to Sentry enabled');
  return {
    report(err, context) {
      Sentry.withScope((scope) => {
        scope.setTag('request_id', context.requestId);
        scope.setTag('route', context.route);
        scope.setContext('request', { method: context.method, route: context.route });
        if (context.userId) scope.setUser({ id: context.userId });
        Sentry.captureException(err);
      });
    },
    async close() {
      await Sentry.close(2000);
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    errorReporter: ErrorReporter;
  }
}

/** Decorates `app.errorReporter`: Sentry with SENTRY_DSN, a no-op otherwise; flushed on close. */
export const errorReportingPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const reporter =
      config.sentry.dsn === null
        ? NO_REPORTER
        : await openSentry(config, config.sentry.dsn, app.log);
    app.decorate('errorReporter', reporter);
    app.addHook('onClose', () => reporter.close());
  },
  { name: 'error-reporting' },
);
