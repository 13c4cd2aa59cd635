import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type UserRole = 'user' | 'admin';

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
