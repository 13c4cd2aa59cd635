import { sql, type Kysely } from 'kysely';

/**
 * Stronger sign-in and the audit log: personal access tokens (hashed), TOTP secrets (encrypted)
 * with their recovery codes (hashed) and second-step challenges, passkeys with their ceremony
 * challenges, how each session signed in (`amr`), and one append-only table of events (security
 * events, and each project's activity).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sessions add column amr text[] not null default '{}'`.execute(db);

  await sql`
    create table personal_access_tokens (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      name text not null,
      scopes text[] not null,
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      last_used_at timestamptz,
      revoked_at timestamptz
    )`.execute(db);
  await sql`create index personal_access_tokens_user on personal_access_tokens (user_id, id)`.execute(
    db,
  );

  await sql`
    create table totp_credentials (
      user_id uuid primary key references users (id) on delete cascade,
      secret_enc text not null,
      enabled_at timestamptz,
      last_step bigint,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table recovery_codes (
      user_id uuid not null references users (id) on delete cascade,
      code_hash text not null,
      used_at timestamptz,
      primary key (user_id, code_hash)
    )`.execute(db);
  await sql`
    create table mfa_challenges (
      token_hash text primary key,
      user_id uuid not null references users (id) on delete cascade,
      amr text[] not null,
      failures int not null default 0,
      expires_at timestamptz not null,
      ended_at timestamptz
    )`.execute(db);
  await sql`create index mfa_challenges_expiry on mfa_challenges (expires_at)`.execute(db);

  await sql`
    create table passkeys (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      credential_id text not null unique,
      public_key bytea not null,
      counter bigint not null default 0,
      transports text[] not null default '{}',
      device_type text not null,
      backed_up boolean not null,
      name text not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz
    )`.execute(db);
  await sql`create index passkeys_user on passkeys (user_id, id)`.execute(db);
  await sql`
    create table webauthn_challenges (
      challenge text primary key,
      user_id uuid references users (id) on delete cascade,
      purpose text not null check (purpose in ('register', 'login')),
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index webauthn_challenges_expiry on webauthn_challenges (expires_at)`.execute(
    db,
  );

  // No foreign keys: the record of what happened outlives the user, project or item it names.
  await sql`
    create table audit_events (
      id uuid primary key,
      at timestamptz not null default now(),
      type text not null,
      actor_id uuid,
      ip text,
      user_agent text,
      target_type text,
      target_id text,
      project_id uuid,
      details jsonb not null default '{}'
    )`.execute(db);
  await sql`create index audit_events_type on audit_events (type, id)`.execute(db);
  await sql`create index audit_events_actor on audit_events (actor_id, id)`.execute(db);
  await sql`create index audit_events_target on audit_events (target_id, id)`.execute(db);
  await sql`
    create index audit_events_project on audit_events (project_id, id)
    where project_id is not null`.execute(db);

  // The refresh rotation also answers how its session signed in (for the new access token).
  await sql`drop function gilla_rotate_refresh_token(text, text, text, int, text, text)`.execute(
    db,
  );
  await rotationFunction(true).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function gilla_rotate_refresh_token(text, text, text, int, text, text)`.execute(
    db,
  );
  await rotationFunction(false).execute(db);
  for (const table of [
    'audit_events',
    'webauthn_challenges',
    'passkeys',
    'mfa_challenges',
    'recovery_codes',
    'totp_credentials',
    'personal_access_tokens',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await sql`alter table sessions drop column amr`.execute(db);
}

/**
 * The refresh rotation function of migration 2026-11-30T02, answering the session's `amr` too
 * (`withAmr`), or as it was (for `down`). Same rules: an unused token of a live session of an
 * enabled user is marked used with its encrypted successor, the successor is inserted, successors
 * whose race window has passed are cleared, and the session is touched.
 */
function rotationFunction(withAmr: boolean) {
  const amrColumn = withAmr ? sql`rotated_amr text[], ` : sql``;
  const amrReturned = withAmr ? sql`, amr` : sql``;
  const amrSelected = withAmr ? sql`t.amr, ` : sql``;
  return sql`
    create function gilla_rotate_refresh_token(
      p_token_hash text, p_next_hash text, p_next_enc text, p_grace_seconds int,
      p_ip text, p_user_agent text)
    returns table (rotated_session uuid, ${amrColumn}rotated_user users)
    language plpgsql as $$
    #variable_conflict use_column
    begin
      return query
      with used as (
        update refresh_tokens set used_at = now(), successor_enc = p_next_enc
        where token_hash = p_token_hash and used_at is null
          and session_id in (
            select s.id from sessions s join users u on u.id = s.user_id
            where s.revoked_at is null and s.expires_at > now() and u.disabled_at is null)
        returning session_id
      ), fresh as (
        insert into refresh_tokens (token_hash, session_id) select p_next_hash, session_id from used
      ), settled as (
        update refresh_tokens set successor_enc = null
        where session_id in (select session_id from used) and successor_enc is not null
          and used_at < now() - make_interval(secs => p_grace_seconds)
      ), touched as (
        update sessions set last_used_at = now(), ip = p_ip, user_agent = p_user_agent
        where id in (select session_id from used)
        returning id, user_id${amrReturned}
      )
      select t.id, ${amrSelected}u from touched t join users u on u.id = t.user_id;
    end $$`;
}
