import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { STATUS_CODES } from 'node:http';
import {
  DomainError,
  InsufficientScopeError,
  InvalidTokenError,
  RateLimitedError,
  TokenExpiredError,
  UnavailableError,
  ValidationError,
  type ErrorCode,
  type FieldError,
} from '../domain/errors.js';
import { classifyDatabaseError } from '../platform/database-errors.js';

/** The RFC 9457 body every error response carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
}

/**
 * Each machine code of CONTRACT.md with its HTTP status: the one place they meet. Of the codes
 * that share a status, the generic one comes last: it names that status's errors from Fastify.
 */
const STATUS: Record<ErrorCode, number> = {
  import_invalid: 400,
  validation_failed: 400,
  reauthentication_required: 401,
  invalid_mfa_code: 401,
  invalid_credentials: 401,
  invalid_token: 401,
  token_expired: 401,
  email_not_verified: 403,
  account_disabled: 403,
  insufficient_scope: 403,
  forbidden: 403,
  not_found: 404,
  link_exists: 409,
  link_cycle: 409,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  precondition_required: 428,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = Object.fromEntries(
  Object.entries(STATUS).map(([code, status]) => [status, code as ErrorCode]),
);

function problem(code: ErrorCode, detail: string, errors?: FieldError[]): Problem {
  const status = STATUS[code];
  return {
    type: `urn:gilla:problem:${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** The headers that go with a domain error (RFC 6750 challenges for bearer tokens, Retry-After). */
function headersOf(error: DomainError): Record<string, string> {
  const retryAfter =
    error instanceof RateLimitedError || error instanceof UnavailableError
      ? error.retryAfterSeconds
      : undefined;
  if (retryAfter !== undefined)
    return { 'retry-after': String(Math.max(1, Math.ceil(retryAfter))) };
  if (error instanceof InvalidTokenError) {
    return { 'www-authenticate': 'Bearer error="invalid_token"' };
  }
  if (error instanceof InsufficientScopeError) {
    return { 'www-authenticate': 'Bearer error="insufficient_scope"' };
  }
  if (error instanceof TokenExpiredError) {
    return { 'www-authenticate': 'Bearer error="invalid_token", error_description="expired"' };
  }
  return {};
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

/**
 * One message per field. A choice among values (a union of constants, e.g. a status) fails once
 * per alternative and once more as a whole: that becomes one error listing the allowed values.
 */
function fieldErrors(error: FastifyError): FieldError[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of (error.validation ?? []) as ErrorObject[]) {
    const path = fieldPath(e, error.validationContext);
    byPath.set(path, [...(byPath.get(path) ?? []), e]);
  }
  return [...byPath].flatMap(([path, errs]) => {
    if (!errs.some((e) => e.keyword === 'anyOf')) {
      return errs.map((e) => ({ path, message: fieldMessage(e) }));
    }
    const alternatives = errs.filter((e) => e.keyword !== 'anyOf');
    const values = alternatives
      .filter((e) => e.keyword === 'const')
      .map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
    const others = [
      ...new Set(alternatives.filter((e) => e.keyword !== 'const').map(fieldMessage)),
    ];
    const oneOf = values.length > 0 ? `must be one of ${values.join(', ')}` : null;
    return [
      { path, message: [...others, ...(oneOf ? [oneOf] : [])].join(', or ') || 'is invalid' },
    ];
  });
}

function fromValidation(error: FastifyError): Problem {
  const errors = fieldErrors(error);
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
  FST_ERR_MAX_PARAM_LENGTH: ['validation_failed', 'A part of the path is too long'],
};

/** Maps any error to a problem; unknown errors become a bare 500. */
export function toProblem(error: unknown): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof DomainError) {
    const errors = error instanceof ValidationError ? error.errors : undefined;
    return { problem: problem(error.code, error.message, errors), headers: headersOf(error) };
  }
  const fe = error as FastifyError;
  if (fe?.validation) return { problem: fromValidation(fe), headers: {} };
  const known = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return { problem: problem(known[0], known[1]), headers: {} };
  switch (classifyDatabaseError(error)) {
    case 'bad_data':
      return {
        problem: problem('validation_failed', 'A value in the request cannot be stored'),
        headers: {},
      };
    case 'unavailable':
      return {
        problem: problem('unavailable', 'The database is unavailable; try again shortly'),
        headers: { 'retry-after': '5' },
      };
    case 'conflict_retry':
      return {
        problem: problem('unavailable', 'The change collided with another; try again'),
        headers: { 'retry-after': '1' },
      };
    case null:
      break;
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

/**
 * Fastify's `frameworkErrors`: what its router refuses before any hook runs (a path with invalid
 * percent-encoding, an over-long path parameter) answered as problem+json like everything else,
 * with the request id and the API's security headers, and never echoing the URL.
 */
export function frameworkErrors(
  securityHeaders: Record<string, string>,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const { problem: p, headers } = toProblem(error);
    if (p.status >= 500) request.log.error({ err: error }, 'request failed');
    void sendProblem(reply.headers(securityHeaders).header('x-request-id', request.id), p, headers);
  };
}

/** The one error handler: every error, the framework's too, is rendered here. */
export const problemsPlugin = fp(
  async (app) => {
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
    await Promise.resolve();
  },
  { name: 'problems', dependencies: ['error-reporting'] },
);

/** The JSON 404 for unknown routes and methods, rate limited like any route. */
export const notFoundPlugin = fp(
  async (app) => {
    app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request, reply) =>
      sendProblem(
        reply,
        problem(
          'not_found',
          `No route ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`,
        ),
      ),
    );
    await Promise.resolve();
  },
  { name: 'not-found', dependencies: ['rate-limit'] },
);
