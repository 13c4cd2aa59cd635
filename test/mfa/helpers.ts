import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import type { TestUser } from '../helpers/factories.js';

/** The code an authenticator app shows for `secret`, `steps` 30-second steps from now. */
export function codeFor(secret: string, steps = 0): string {
  const totp = new TOTP({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  return totp.generate({ timestamp: Date.now() + steps * 30_000 });
}

/** A code of the secret that is not valid now (more than a step away) and differs from those that are. */
export function staleCode(secret: string): string {
  const near = new Set([-1, 0, 1].map((s) => codeFor(secret, s)));
  for (let steps = -10; ; steps--) {
    const code = codeFor(secret, steps);
    if (!near.has(code)) return code;
  }
}

/** Turns TOTP on for a user through the API; answers the secret and the recovery codes. */
export async function enableTotp(
  app: FastifyInstance,
  user: TestUser,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/mfa/totp',
    headers: user.auth,
  });
  assert.equal(started.statusCode, 200, started.body);
  const { secret } = started.json<{ secret: string }>();
  const verified = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/mfa/totp/verify',
    headers: user.auth,
    payload: { code: codeFor(secret) },
  });
  assert.equal(verified.statusCode, 200, verified.body);
  return { secret, recoveryCodes: verified.json<{ recoveryCodes: string[] }>().recoveryCodes };
}

/** Forgets which step was used last, so that a test can sign in again within one 30 s step. */
export async function forgetLastStep(app: FastifyInstance, userId: string): Promise<void> {
  await app.db
    .updateTable('totp_credentials')
    .set({ last_step: null })
    .where('user_id', '=', userId)
    .execute();
}

/** A password login that must stop at the second step; answers its mfaToken. */
export async function firstStep(app: FastifyInstance, user: TestUser): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<Record<string, unknown>>();
  assert.equal(body.mfaRequired, true);
  assert.equal(body.accessToken, undefined, 'no tokens before the second step');
  assert.equal(body.refreshToken, undefined);
  assert.deepEqual(body.methods, ['totp', 'recovery_code']);
  return body.mfaToken as string;
}

export function secondStep(app: FastifyInstance, payload: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/api/v1/auth/mfa/verify', payload });
}
