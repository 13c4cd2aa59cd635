/** The machine codes of CONTRACT.md, each with its HTTP status. */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_credentials: 401,
  invalid_token: 401,
  token_expired: 401,
  email_not_verified: 403,
  account_disabled: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  precondition_required: 428,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  path: string;
  message: string;
}

/** Base of every error the domain throws on purpose; rendered as problem+json. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: {
      errors?: FieldError[];
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export class ValidationError extends AppError {
  constructor(message: string, errors: FieldError[] = []) {
    super('validation_failed', message, { errors });
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'Resource') {
    super('not_found', `${what} not found`);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You may not do this') {
    super('forbidden', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('conflict', message);
  }
}

export class InvalidTokenError extends AppError {
  constructor(message = 'The token is missing, malformed, revoked or wrongly signed') {
    super('invalid_token', message, {
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  }
}

export class TokenExpiredError extends AppError {
  constructor() {
    super('token_expired', 'The token has expired', {
      headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="expired"' },
    });
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many requests; try again later') {
    super('rate_limited', message, {
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}

export class PreconditionFailedError extends AppError {
  constructor() {
    super('precondition_failed', 'If-Match does not match the current version');
  }
}
