import type { Generated, Selectable } from 'kysely';
import type { ProviderId } from '../users/users.table.js';

export type { ProviderId };

/** A browser sign-in under way: one row per `start`, used up by its `callback`. */
export interface OAuthStateTable {
  /** SHA-256 of the `state` sent to the provider. */
  state_hash: string;
  provider: ProviderId;
  /** SHA-256 of the cookie that ties the flow to the browser that started it. */
  browser_hash: string;
  nonce: string;
  code_verifier_enc: string;
  redirect_to: string;
  /** The app's own PKCE challenge (S256), which the login code's exchange must answer. */
  app_challenge: string | null;
  created_at: Generated<Date>;
  expires_at: Date;
}

/** The one-time code a finished browser sign-in hands to the app (60 seconds, single use). */
export interface OAuthLoginCodeTable {
  code_hash: string;
  user_id: string;
  provider: ProviderId;
  app_challenge: string | null;
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
}

export type OAuthStateRow = Selectable<OAuthStateTable>;
