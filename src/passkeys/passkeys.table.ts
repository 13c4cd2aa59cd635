import type { Generated, Selectable } from 'kysely';

/** A WebAuthn credential (a passkey) of a user. */
export interface PasskeyTable {
  id: string;
  user_id: string;
  /** The credential id, base64url, as the authenticator names it. */
  credential_id: string;
  /** COSE public key. */
  public_key: Uint8Array;
  /** The authenticator's signature counter (0 for those that keep none); as int8, a string. */
  counter: Generated<string>;
  transports: Generated<string[]>;
  device_type: string;
  backed_up: boolean;
  name: string;
  created_at: Generated<Date>;
  last_used_at: Date | null;
}

/** A ceremony's challenge: single use, a few minutes. Registration names its user. */
export interface WebauthnChallengeTable {
  challenge: string;
  user_id: string | null;
  purpose: 'register' | 'login';
  expires_at: Date;
}

export type PasskeyRow = Selectable<PasskeyTable>;
