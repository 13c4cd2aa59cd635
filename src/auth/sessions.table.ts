import type { Generated, Selectable } from 'kysely';

export interface SessionTable {
  id: string;
  user_id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: Generated<Date>;
  last_used_at: Generated<Date>;
  expires_at: Date;
  revoked_at: Date | null;
  /** How the session signed in (`pwd`, `otp`, `webauthn`, `fed`), for the access tokens' `amr`. */
  amr: Generated<string[]>;
}

export interface RefreshTokenTable {
  /** SHA-256 of the opaque token; the token itself is never stored. */
  token_hash: string;
  session_id: string;
  created_at: Generated<Date>;
  used_at: Date | null;
  /** The token that replaced this one, encrypted, kept briefly for racing refreshes. */
  successor_enc: string | null;
}

export type TokenPurpose = 'password_reset' | 'email_verification';

export interface OneTimeTokenTable {
  token_hash: string;
  user_id: string;
  purpose: TokenPurpose;
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
}

export type SessionRow = Selectable<SessionTable>;
