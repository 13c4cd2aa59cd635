// The `pat` and `mfa` sections. `pat`: GET /users/me with a personal access token against the
// same with a session's access token (alternating rounds), and item writes (POST item), which
// now write an activity event in their transaction. `mfa`: password login of a user with TOTP
// (the first step: one argon2 verification, then the challenge) against a user without, and the
// second step's cost on its own (recovery codes: each works once, sequential timing).
import { TOTP, Secret } from 'otpauth';
import type { SeedIds } from './seed.js';
import { call, drive, pair, times, timedRow, type Row } from './drive.js';

const json = { 'content-type': 'application/json' };

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await call(url, {
    method: 'POST',
    headers: { ...json, ...headers },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

export async function pats(
  base: string,
  auth: Record<string, string>,
  rows: Row[],
  notes: string[],
): Promise<void> {
  const made = await post(
    `${base}/api/v1/users/me/tokens`,
    { name: 'bench', scopes: ['read', 'write'] },
    auth,
  );
  const pat = { authorization: `Bearer ${made.token as string}` };
  const [withSession, withPat] = await pair(
    ['GET /users/me (session access token)', { url: `${base}/api/v1/users/me`, headers: auth }],
    ['GET /users/me (personal access token)', { url: `${base}/api/v1/users/me`, headers: pat }],
  );
  // A project made through the API: its item numbers come from the service (the seed's do not).
  const project = await post(
    `${base}/api/v1/projects`,
    { name: 'Bench writes', key: 'BWRITE' },
    auth,
  );
  const spec = await post(
    `${base}/api/v1/projects/${project.id as string}/specifications`,
    { title: 'Writes' },
    auth,
  );
  const write = await drive('POST item (create, with its activity event)', {
    url: `${base}/api/v1/specifications/${spec.id as string}/items`,
    method: 'POST',
    headers: { ...auth, ...json },
    body: JSON.stringify({ title: 'Bench item', body: 'Written by the bench.' }),
    connections: 8,
  });
  rows.push(withSession, withPat, write);
  notes.push(
    `/users/me PAT/session = ${(withPat.rps / withSession.rps).toFixed(2)}  (target >= 1.0 within noise: a PAT costs no more than a session)`,
  );
}

export async function mfa(base: string, ids: SeedIds, rows: Row[], notes: string[]) {
  // A second user with TOTP on, made through the API.
  const email = `bench-mfa-${Date.now()}@example.com`;
  const password = ids.password;
  const registered = await post(`${base}/api/v1/auth/register`, { email, password });
  const auth = { authorization: `Bearer ${registered.accessToken as string}` };
  const { secret } = (await post(`${base}/api/v1/users/me/mfa/totp`, {}, auth)) as {
    secret: string;
  };
  const totp = new TOTP({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  const { recoveryCodes } = (await post(
    `${base}/api/v1/users/me/mfa/totp/verify`,
    { code: totp.generate() },
    auth,
  )) as { recoveryCodes: string[] };
  const login = (who: string) => ({
    url: `${base}/api/v1/auth/login`,
    method: 'POST' as const,
    headers: json,
    body: JSON.stringify({ email: who, password }),
    connections: 8,
  });
  const [plain, withTotp] = await pair(
    ['POST /auth/login (no TOTP: tokens)', login(ids.email)],
    ['POST /auth/login (TOTP on: first step)', login(email)],
  );
  // The second step alone: first steps taken beforehand, then each verify timed.
  const challenges: string[] = [];
  for (let i = 0; i < recoveryCodes.length; i++) {
    challenges.push(
      (await post(`${base}/api/v1/auth/login`, { email, password })).mfaToken as string,
    );
  }
  let next = 0;
  const second = await times(recoveryCodes.length, () => {
    const i = next++;
    return call(`${base}/api/v1/auth/mfa/verify`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ mfaToken: challenges[i], recoveryCode: recoveryCodes[i] }),
    });
  });
  rows.push(plain, withTotp, timedRow('POST /auth/mfa/verify (1 conn, in turn)', second));
  notes.push(
    `login TOTP/plain = ${(withTotp.rps / plain.rps).toFixed(2)}  (one argon2 verification each: target ~1.0)`,
  );
}
