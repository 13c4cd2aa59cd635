/**
 * The machine codes clients see (CONTRACT.md). Each names one outcome and keeps its meaning; the
 * HTTP status and headers that go with a code are decided in one place, `http/problem.ts`.
 */
export const ERROR_CODES = [
  'validation_failed',
  'import_invalid',
  'invalid_credentials',
  'reauthentication_required',
  'invalid_mfa_code',
  'invalid_token',
  'token_expired',
  'email_not_verified',
  'account_disabled',
  'insufficient_scope',
  'forbidden',
  'not_found',
  'conflict',
  'link_exists',
  'link_cycle',
  'precondition_failed',
  'payload_too_large',
  'unsupported_media_type',
  'precondition_required',
  'rate_limited',
  'internal',
  'unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  path: string;
  message: string;
}

/**
 * Base of every error the domain throws on purpose: a stable `code` and a message a person can
 * read. No HTTP here; the edge renders it.
 */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  readonly code = 'validation_failed';

  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

/** An imported file cannot be read: the message names the line, element or row where it failed. */
export class ImportInvalidError extends DomainError {
  readonly code = 'import_invalid';
}

export class InvalidCredentialsError extends DomainError {
  readonly code = 'invalid_credentials';
}

/**
 * An act that needs proof of presence (signing) came without it: the password is missing or
 * wrong, or a password-less account's sign-in is too old.
 */
export class ReauthenticationRequiredError extends DomainError {
  readonly code = 'reauthentication_required';
}

/** The caller's bearer token is not acceptable (answered with a `WWW-Authenticate` challenge). */
export class InvalidTokenError extends DomainError {
  readonly code = 'invalid_token';

  constructor(message = 'The token is missing, malformed, revoked or wrongly signed') {
    super(message);
  }
}

/** The caller's bearer token has expired (answered with a `WWW-Authenticate` challenge). */
export class TokenExpiredError extends DomainError {
  readonly code = 'token_expired';

  constructor(message = 'The token has expired') {
    super(message);
  }
}

export class EmailNotVerifiedError extends DomainError {
  readonly code = 'email_not_verified';

  constructor() {
    super('Confirm your e-mail address first');
  }
}

export class AccountDisabledError extends DomainError {
  readonly code = 'account_disabled';

  constructor() {
    super('This account is disabled');
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';

  constructor(message = 'You may not do this') {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';

  constructor(what = 'Resource') {
    super(`${what} not found`);
  }
}

/** A change that clashes with the current state; subclasses name which clash. */
export class ConflictError extends DomainError {
  readonly code = 'conflict';
}

export class EmailTakenError extends ConflictError {
  constructor() {
    super('An account with this e-mail already exists');
  }
}

/** A project would be left without an owner. */
export class LastOwnerError extends ConflictError {}

/** The service would be left without an active administrator. */
export class LastAdminError extends ConflictError {}

/** An account would be left with no way to sign in. */
export class LastSignInMethodError extends ConflictError {
  constructor() {
    super('This is the last way to sign in; set a password or link another provider first');
  }
}

export class AlreadyMemberError extends ConflictError {
  constructor() {
    super('That user is already a member');
  }
}

/** The same link (source, target, type) exists already. */
export class LinkExistsError extends DomainError {
  readonly code = 'link_exists';

  constructor() {
    super('This link exists already');
  }
}

/** A link of a hierarchical type would close a cycle. */
export class LinkCycleError extends DomainError {
  readonly code = 'link_cycle';

  constructor(message = 'This link would close a cycle, which a hierarchical link type forbids') {
    super(message);
  }
}

export class PreconditionFailedError extends DomainError {
  readonly code = 'precondition_failed';

  constructor() {
    super('If-Match does not match the current version');
  }
}

export class RateLimitedError extends DomainError {
  readonly code = 'rate_limited';

  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests; try again later',
  ) {
    super(message);
  }
}

/**
 * Something the service depends on (a provider, the metrics of the worker group) cannot be reached
 * right now; with `retryAfterSeconds`, when to try again.
 */
export class UnavailableError extends DomainError {
  readonly code = 'unavailable';

  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** A second-factor code (TOTP or recovery) that is wrong, used already, or of an ended challenge. */
export class InvalidMfaCodeError extends DomainError {
  readonly code = 'invalid_mfa_code';

  constructor(message = 'The code is wrong or was used already') {
    super(message);
  }
}

/**
 * A personal access token asked for more than it may: a write with a `read` token, or anything
 * that manages sign-in itself (tokens, password, MFA, passkeys, sessions), which needs a person.
 */
export class InsufficientScopeError extends DomainError {
  readonly code = 'insufficient_scope';

  constructor(message = 'This token may not do that') {
    super(message);
  }
}
