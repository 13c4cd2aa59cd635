import type { components } from './schema.js';

export type Problem = components['schemas']['Problem'];
export type ErrorCode = Problem['code'];

/**
 * Every answer that is not a success, as the API sent it (RFC 9457 problem details): `code` is
 * the machine code to branch on, `errors` the fields a 400 names, `status` the HTTP status.
 * A failure that never reached the API (network, CORS) stays the `TypeError` fetch throws.
 */
export class GillaError extends Error {
  override readonly name = 'GillaError';
  readonly status: number;
  readonly code: ErrorCode;
  readonly title: string;
  readonly detail: string;
  readonly errors: { path: string; message: string }[];
  /** The `X-Request-Id` of the answer, to quote to an operator. */
  readonly requestId: string | null;
  /** The answer itself, e.g. for `Retry-After` on a 429 or the `ETag` on a 412. */
  readonly response: Response;

  constructor(problem: Problem, response: Response) {
    super(problem.detail || problem.title);
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.requestId = response.headers.get('x-request-id');
    this.response = response;
  }
}

/** The generic code of each status, for an answer that is not problem+json (e.g. a proxy's). */
const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'invalid_token',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  428: 'precondition_required',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Reads a failed answer into a GillaError; one that is not problem+json gets a generic code. */
export async function problemOf(response: Response): Promise<GillaError> {
  const text = await response.clone().text();
  let body: Partial<Problem> = {};
  try {
    body = JSON.parse(text) as Partial<Problem>;
  } catch {
    // not JSON (a proxy's page): described below from the status alone
  }
  const fallback: ErrorCode =
    CODE_BY_STATUS[response.status] ?? (response.status >= 500 ? 'internal' : 'validation_failed');
  return new GillaError(
    {
      type: body.type ?? 'about:blank',
      title: body.title ?? response.statusText,
      status: body.status ?? response.status,
      detail: body.detail ?? `The API answered ${response.status}`,
      code: body.code ?? fallback,
      ...(body.errors ? { errors: body.errors } : {}),
    },
    response,
  );
}
