import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type UserRole = 'user' | 'admin';

/** The sign-in providers Gilla knows; `oidc` is the generic OpenID Connect issuer. */
export type ProviderId = 'google' | 'github' | 'oidc';

/** A user's account at a provider: (provider, subject) identifies it, never the e-mail. */
export interface UserIdentityTable {
  id: string;
  user_id: string;
  provider: ProviderId;
  /** The issuer that vouches for `subject` (changing OIDC_ISSUER must not reuse old subjects). */
  issuer: string;
  subject: string;
  email: string | null;
  email_verified: boolean;
  created_at: Generated<Date>;
  last_sign_in_at: Generated<Date>;
}

export interface UserTable {
  id: string;
  email: string;
  email_verified_at: Date | null;
  name: string | null;
  avatar_url: string | null;
  role: ColumnType<UserRole, UserRole | undefined, UserRole>;
  password_hash: string | null;
  disabled_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
  /** The providers linked to the user, sorted; kept by a database trigger, never written here. */
  identity_providers: ColumnType<string[], never, never>;
}

export type UserRow = Selectable<UserTable>;
export type NewUserRow = Insertable<UserTable>;
export type UserRowUpdate = Updateable<UserTable>;
export type UserIdentityRow = Selectable<UserIdentityTable>;
