import type { Generated, Selectable } from 'kysely';
import type { TokenScope } from '../domain/actor.js';

export interface PersonalAccessTokenTable {
  id: string;
  user_id: string;
  name: string;
  scopes: TokenScope[];
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  token_hash: string;
  created_at: Generated<Date>;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export type PersonalAccessTokenRow = Selectable<PersonalAccessTokenTable>;
