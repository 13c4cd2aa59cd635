import type { Generated, Selectable } from 'kysely';

/** A user's TOTP secret: pending until a first code confirms it (`enabled_at`). */
export interface TotpCredentialTable {
  user_id: string;
  secret_enc: string;
  enabled_at: Date | null;
  /** The last time step whose code was accepted: that code and older ones are refused. */
  last_step: string | null;
  created_at: Generated<Date>;
}

/** One single-use recovery code, stored as its SHA-256. */
export interface RecoveryCodeTable {
  user_id: string;
  code_hash: string;
  used_at: Date | null;
}

/** A sign-in waiting for its second step: the `mfaToken` (hashed) and what the first step was. */
export interface MfaChallengeTable {
  token_hash: string;
  user_id: string;
  amr: string[];
  failures: Generated<number>;
  expires_at: Date;
  ended_at: Date | null;
}

export type TotpCredentialRow = Selectable<TotpCredentialTable>;
export type MfaChallengeRow = Selectable<MfaChallengeTable>;
