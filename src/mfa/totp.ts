import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as the contract fixes it: SHA-1, 6 digits, 30-second steps. */
const PERIOD_SECONDS = 30;

function totp(secret: Secret, issuer = '', label = ''): TOTP {
  return new TOTP({ issuer, label, secret, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS });
}

/** A new random secret (160 bits), as base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URL an authenticator app scans. */
export function otpauthUrl(secretBase32: string, issuer: string, account: string): string {
  return totp(Secret.fromBase32(secretBase32), issuer, account).toString();
}

/**
 * The time step whose code `code` is, if it is the code of the current step or of one either side
 * (clock drift); null otherwise.
 */
export function matchingStep(secretBase32: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(Secret.fromBase32(secretBase32)).validate({
    token: code,
    timestamp: now,
    window: 1,
  });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}
