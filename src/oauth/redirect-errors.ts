import { DomainError, type ErrorCode } from '../domain/errors.js';
import { SignInError } from './provider.js';

/** The `error` (and safe `error_description`) a failed browser sign-in redirects with. */
export interface RedirectError {
  error: string;
  description: string;
}

const BY_CODE: Partial<Record<ErrorCode, string>> = {
  conflict: 'account_exists',
  account_disabled: 'account_disabled',
  email_not_verified: 'email_not_verified',
  forbidden: 'registration_closed',
  validation_failed: 'email_required',
  invalid_token: 'invalid_id_token',
  token_expired: 'invalid_id_token',
  unavailable: 'temporarily_unavailable',
};

/** Sorts a sign-in failure into the codes the app is told; anything unforeseen is server_error. */
export function redirectErrorOf(err: unknown): RedirectError {
  if (err instanceof SignInError) return { error: err.failure, description: err.message };
  if (err instanceof DomainError) {
    const error = BY_CODE[err.code];
    if (error !== undefined) return { error, description: err.message };
  }
  return { error: 'server_error', description: 'The sign-in could not be finished' };
}
