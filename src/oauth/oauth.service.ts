import type { Kysely } from 'kysely';
import { timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import { assertMaySignIn, type AuthDeps } from '../auth/auth.service.js';
import { InvalidTokenError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { AnyContext } from '../domain/unit-of-work.js';
import { hashToken, randomToken } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import { findUserById } from '../users/users.service.js';
import type { UserRow } from '../users/users.table.js';
import { consumeLoginCode, insertLoginCode, insertState, takeState } from './oauth.repository.js';
import type { ProviderId } from './oauth.table.js';
import type { FederatedProfile, OAuthProvider } from './provider.js';
import { redirectErrorOf } from './redirect-errors.js';

/** A browser sign-in must come back within this time. */
export const STATE_TTL_SECONDS = 10 * 60;
/** A login code works once, for this long. */
export const LOGIN_CODE_TTL_SECONDS = 60;

/** What the OAuth flows need. */
export interface OAuthDeps {
  auth: AuthDeps;
  providers: Map<ProviderId, OAuthProvider>;
  publicUrl: string;
  redirectAllowlist: string[];
  log: { warn(obj: object, msg: string): void };
  /** Counts a finished sign-in: `success` or the error it ended with. */
  counted(provider: ProviderId, outcome: string): void;
}

/**
 * Finds or makes the user of a verified provider profile, in a unit of work of its own (the flow
 * around it waits on the provider, which no transaction should).
 */
export type FederatedSignIn = (profile: FederatedProfile) => Promise<UserRow>;

/** The enabled provider by id; a disabled or unknown one is "not found". */
export function providerOf(deps: OAuthDeps, id: string): OAuthProvider {
  const provider = deps.providers.get(id as ProviderId);
  if (!provider) throw new NotFoundError('Sign-in provider');
  return provider;
}

/** The redirect URI to register at the provider. */
export function redirectUriOf(publicUrl: string, provider: ProviderId): string {
  return `${publicUrl}/api/v1/auth/oauth/${provider}/callback`;
}

/** `redirectTo` when it is on the allow-list, compared exactly; absent, the first entry. */
function allowedRedirect(deps: OAuthDeps, redirectTo: string | undefined): string {
  const allowed = redirectTo ?? deps.redirectAllowlist[0];
  if (allowed === undefined) {
    throw new ValidationError('redirectTo is required', [
      { path: 'redirectTo', message: 'is required (OAUTH_REDIRECT_ALLOWLIST is empty)' },
    ]);
  }
  if (!deps.redirectAllowlist.includes(allowed)) {
    throw new ValidationError('redirectTo is not allowed', [
      { path: 'redirectTo', message: 'is not on OAUTH_REDIRECT_ALLOWLIST' },
    ]);
  }
  return allowed;
}

/** `base` with the given query parameters added. */
function withParams(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

/**
 * Starts a browser sign-in: makes state, nonce and a PKCE verifier, keeps them (hashed or
 * encrypted) for 10 minutes, tied to this browser's cookie, and answers where to send it.
 */
export async function startSignIn(
  db: Kysely<Database>,
  { enc }: AnyContext,
  deps: OAuthDeps,
  input: {
    provider: string;
    redirectTo: string | undefined;
    browser: string;
    /** The app's PKCE challenge (S256) for the login code, when it sent one. */
    appChallenge: string | undefined;
  },
): Promise<string> {
  const provider = providerOf(deps, input.provider);
  const redirectTo = allowedRedirect(deps, input.redirectTo);
  const checks = {
    redirectUri: redirectUriOf(deps.publicUrl, provider.id),
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier: client.randomPKCECodeVerifier(),
  };
  let authorizationUrl: URL;
  try {
    authorizationUrl = await provider.authorizationUrl({
      ...checks,
      codeChallenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
    });
  } catch (err) {
    deps.log.warn({ err, provider: provider.id }, 'oauth start failed');
    return withParams(redirectTo, { error: redirectErrorOf(err).error });
  }
  await insertState(db, {
    state_hash: hashToken(checks.state),
    provider: provider.id,
    browser_hash: hashToken(input.browser),
    nonce: checks.nonce,
    code_verifier_enc: enc.encrypt(checks.codeVerifier),
    redirect_to: redirectTo,
    app_challenge: input.appChallenge ?? null,
    expires_at: new Date(Date.now() + STATE_TTL_SECONDS * 1000),
  });
  return authorizationUrl.toString();
}

/**
 * Finishes a browser sign-in and answers where to send the browser: `redirectTo` with a
 * one-time `loginCode`, or with an `error` (never an error page). The state is used up first,
 * so a replayed callback fails whatever else happens.
 */
export async function finishSignIn(
  db: Kysely<Database>,
  { enc }: AnyContext,
  deps: OAuthDeps,
  input: { provider: string; callbackUrl: URL; browser: string | undefined },
  signIn: FederatedSignIn,
): Promise<string> {
  const provider = providerOf(deps, input.provider);
  const state = input.callbackUrl.searchParams.get('state');
  const row = state === null ? undefined : await takeState(db, hashToken(state));
  const fallback = deps.redirectAllowlist[0];
  if (!row || state === null || row.provider !== provider.id) {
    if (fallback === undefined) {
      throw new ValidationError('The sign-in is unknown or already finished', [
        { path: 'state', message: 'is unknown, used or expired' },
      ]);
    }
    deps.counted(provider.id, 'invalid_state');
    return withParams(fallback, { error: 'invalid_state' });
  }
  const sameBrowser = input.browser !== undefined && hashToken(input.browser) === row.browser_hash;
  if (row.expired || !sameBrowser) {
    deps.counted(provider.id, 'invalid_state');
    return withParams(row.redirect_to, { error: 'invalid_state' });
  }
  try {
    const profile = await provider.completeSignIn(input.callbackUrl, {
      redirectUri: redirectUriOf(deps.publicUrl, provider.id),
      state,
      nonce: row.nonce,
      codeVerifier: enc.decrypt(row.code_verifier_enc),
    });
    const user = await signIn(profile);
    const loginCode = randomToken();
    await insertLoginCode(db, {
      code_hash: hashToken(loginCode),
      user_id: user.id,
      provider: provider.id,
      app_challenge: row.app_challenge,
      expires_at: new Date(Date.now() + LOGIN_CODE_TTL_SECONDS * 1000),
    });
    deps.counted(provider.id, 'success');
    return withParams(row.redirect_to, { loginCode });
  } catch (err) {
    const { error, description } = redirectErrorOf(err);
    deps.counted(provider.id, error);
    deps.log.warn({ err, provider: provider.id, error }, 'oauth sign-in failed');
    return withParams(row.redirect_to, { error, error_description: description });
  }
}

/** Whether the verifier answers the app's S256 challenge (none asked: nothing to answer). */
async function answersChallenge(challenge: string | null, verifier: string | undefined) {
  if (challenge === null) return true;
  if (verifier === undefined) return false;
  const expected = Buffer.from(challenge);
  const actual = Buffer.from(await client.calculatePKCECodeChallenge(verifier));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Redeems a login code (once, within 60 seconds) for the user it signs in. When the app sent a
 * PKCE challenge at `start`, only its verifier redeems the code, so a code slipped to another
 * browser (login CSRF) is worthless there. A wrong verifier uses the code up.
 */
export async function redeemLoginCode(
  db: Kysely<Database>,
  deps: OAuthDeps,
  input: { loginCode: string; codeVerifier?: string | undefined },
): Promise<UserRow> {
  const code = await consumeLoginCode(db, hashToken(input.loginCode));
  const valid =
    code !== undefined && (await answersChallenge(code.app_challenge, input.codeVerifier));
  const user = valid ? await findUserById(db, code.user_id) : undefined;
  if (!user) throw new InvalidTokenError('The login code is invalid, used or expired');
  // The account may have been disabled since the callback.
  assertMaySignIn(deps.auth, user);
  return user;
}

/** The user of an ID token the client already holds, verified against the provider's keys. */
export async function signInWithIdToken(
  provider: OAuthProvider,
  input: { idToken: string; nonce?: string | undefined },
  signIn: FederatedSignIn,
): Promise<UserRow> {
  if (!provider.verifyIdToken) {
    throw new ValidationError(`${provider.name} issues no ID tokens; use the browser sign-in`);
  }
  return signIn(await provider.verifyIdToken(input.idToken, input.nonce));
}
