import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { AppError, ERROR_STATUS, type ErrorCode, type FieldError } from '../errors.js';

/** The RFC 9457 body every error response carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = Object.fromEntries(
  Object.entries(ERROR_STATUS).map(([code, status]) => [status, code as ErrorCode]),
);

function problem(code: ErrorCode, detail: string, errors?: FieldError[]): Problem {
  const status = ERROR_STATUS[code];
  return {
    type: `urn:gilla:problem:${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

function fieldPath(err: ErrorObject, context: string | undefined): string {
  const segments = err.instancePath.split('/').filter((s) => s !== '');
  const params = err.params as { missingProperty?: string; additionalProperty?: string };
  if (params.missingProperty) segments.push(params.missingProperty);
  if (params.additionalProperty) segments.push(params.additionalProperty);
  const local = segments.join('.');
  if (context === undefined || context === 'body') return local === '' ? 'body' : local;
  const prefix = context === 'querystring' ? 'query' : context;
  return local === '' ? prefix : `${prefix}.${local}`;
}

function fieldMessage(err: ErrorObject): string {
  if (err.keyword === 'additionalProperties') return 'is not an allowed property';
  if (err.keyword === 'required') return 'is required';
  return err.message ?? 'is invalid';
}

function fromValidation(error: FastifyError): Problem {
  const errors = (error.validation ?? []).map((e) => ({
    path: fieldPath(e as ErrorObject, error.validationContext),
    message: fieldMessage(e as ErrorObject),
  }));
  const first = errors[0];
  const detail = first ? `${first.path} ${first.message}` : 'The request is invalid';
  return problem('validation_failed', detail, errors);
}

const FASTIFY_CODES: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Send the body as application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    'validation_failed',
    'Content-Length does not match the body',
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The body is larger than the limit'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['validation_failed', 'The JSON body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['validation_failed', 'The body is not valid JSON'],
  FST_ERR_BAD_URL: ['validation_failed', 'The URL is malformed'],
};

// Errors from the database driver that mean "cannot reach it", not "bug".
const UNAVAILABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|timeout exceeded when trying to connect|Connection terminated|connection timeout|terminating connection|Query read timeout|not queryable|Client was closed|the database system is (starting up|shutting down|in recovery mode)/i;

/** PostgreSQL's class 22, "data exception": invalid text, out of range, bad characters. */
function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  // Class 08 (connection exception), 57P (operator intervention: shutdown, crash, not yet up)
  // and 57014 (statement timeout): the database, not the request, is the problem.
  if (typeof e.code === 'string' && /^(08|57P)/.test(e.code)) return true;
  if (e.code === '57014') return true;
  return UNAVAILABLE.test(`${e.code ?? ''} ${e.message ?? ''}`);
}

/** Maps any error to a problem; unknown errors become a bare 500. */
export function toProblem(error: unknown): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof AppError) {
    return {
      problem: problem(error.code, error.message, error.extra.errors),
      headers: error.extra.headers ?? {},
    };
  }
  const fe = error as FastifyError;
  if (fe?.validation) return { problem: fromValidation(fe), headers: {} };
  const known = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return { problem: problem(known[0], known[1]), headers: {} };
  if (isDataException(error)) {
    // Backstop: input the schemas let through but PostgreSQL refuses (a NUL byte, a value out of
    // range) is the client's error, not ours.
    return {
      problem: problem('validation_failed', 'A value in the request cannot be stored'),
      headers: {},
    };
  }
  if (isUnavailable(error)) {
    return {
      problem: problem('unavailable', 'The database is unavailable; try again shortly'),
      headers: { 'retry-after': '5' },
    };
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  const code =
    status >= 400 && status < 500 ? (CODE_BY_STATUS[status] ?? 'validation_failed') : 'internal';
  const detail =
    code === 'internal' ? 'An unexpected error occurred' : fe.message || 'The request is invalid';
  return { problem: problem(code, detail), headers: {} };
}

/** Sends a problem+json response. */
export function sendProblem(
  reply: FastifyReply,
  p: Problem,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply.code(p.status).headers(headers).type('application/problem+json').send(p);
}

/** The one error handler. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { problem: p, headers } = toProblem(error);
    if (p.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.debug({ code: p.code }, 'request rejected');
    if (p.code === 'internal') {
      app.errorReporter.report(error, {
        requestId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        userId: request.actor?.userId,
      });
    }
    return sendProblem(reply, p, headers);
  });
}

/** The JSON 404 for unknown routes and methods, rate limited like any route (after the limiter exists). */
export function registerNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request, reply) =>
    sendProblem(
      reply,
      problem(
        'not_found',
        `No route ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`,
      ),
    ),
  );
}
