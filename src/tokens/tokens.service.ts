import type { Kysely } from 'kysely';
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { recordEvent } from '../audit/audit.service.js';
import type { TokenScope } from '../domain/actor.js';
import { NotFoundError } from '../domain/errors.js';
import type { AnyContext, Context, Effects } from '../domain/unit-of-work.js';
import { hashToken, randomToken } from '../platform/crypto.js';
import type { Database } from '../platform/schema.js';
import { markTokensRevoked, recacheTokens } from './token-cache.js';
import { insertToken, listTokensOf, revokeTokens } from './tokens.repository.js';
import type { PersonalAccessTokenRow } from './tokens.table.js';

/** What secret scanners look for: every token starts so. */
export const TOKEN_PREFIX = 'gilla_pat_';

/** Whether a bearer token is a personal access token (not an access token of a session). */
export const isPersonalToken = (token: string): boolean => token.startsWith(TOKEN_PREFIX);

/** A token's check characters: a typo or a made-up token is refused without a lookup. */
const checkOf = (secret: string): string =>
  createHash('sha256').update(secret).digest('base64url').slice(0, 6);

/** `gilla_pat_` + 256 random bits + 6 check characters. */
function newTokenText(): string {
  const secret = randomToken();
  return `${TOKEN_PREFIX}${secret}${checkOf(secret)}`;
}

/** Whether a token has the shape and check characters of one we issued. */
export function isWellFormedToken(token: string): boolean {
  const body = token.slice(TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]{49}$/.test(body)) return false;
  return checkOf(body.slice(0, 43)) === body.slice(43);
}

export interface PersonalToken {
  id: string;
  name: string;
  scopes: TokenScope[];
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
}

function toToken(row: PersonalAccessTokenRow): PersonalToken {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

/** `read` before `write`, each once. */
const SCOPE_ORDER: TokenScope[] = ['read', 'write'];

/** Creates a token for the caller; the token itself is in the answer only. */
export async function createToken(
  tx: Kysely<Database>,
  ctx: Context,
  input: { name: string; scopes: TokenScope[]; expiresInDays?: number | undefined },
): Promise<PersonalToken & { token: string }> {
  const token = newTokenText();
  const days = input.expiresInDays ?? 90;
  const row = await insertToken(tx, {
    id: uuidv7(),
    user_id: ctx.actor.userId,
    name: input.name.trim(),
    scopes: SCOPE_ORDER.filter((s) => input.scopes.includes(s)),
    token_hash: hashToken(token),
    expires_at: new Date(Date.now() + days * 86_400_000),
  });
  await recordEvent(tx, ctx, {
    type: 'token.created',
    targetType: 'token',
    targetId: row.id,
    details: { name: row.name, scopes: row.scopes, expiresAt: row.expires_at.toISOString() },
  });
  return { ...toToken(row), token };
}

/** The caller's tokens that are not revoked, newest first. */
export async function listTokens(
  db: Kysely<Database>,
  { actor }: Context,
): Promise<PersonalToken[]> {
  return (await listTokensOf(db, actor.userId)).map(toToken);
}

/** Records that tokens were revoked: once committed, every instance refuses them. */
function tokensRevoked(effects: Effects, tokenHashes: string[]): void {
  if (tokenHashes.length === 0) return;
  effects.afterCommit('tokens-revoked', ({ cache }) => markTokensRevoked(cache, tokenHashes));
}

/** Revokes one of the caller's tokens; another user's token is "not found". */
export async function revokeToken(
  tx: Kysely<Database>,
  ctx: Context,
  tokenId: string,
): Promise<void> {
  const revoked = await revokeTokens(tx, { userId: ctx.actor.userId, tokenId });
  if (revoked.length === 0) throw new NotFoundError('Token');
  await recordEvent(tx, ctx, { type: 'token.revoked', targetType: 'token', targetId: tokenId });
  tokensRevoked(ctx.effects, revoked);
}

/**
 * Revokes every token of a user: a password reset or change takes the account back, a deleted
 * account keeps none. Returns how many.
 */
export async function revokeAllTokens(
  tx: Kysely<Database>,
  ctx: AnyContext,
  userId: string,
  reason: 'password_reset' | 'password_change' | 'account_deleted',
): Promise<number> {
  const revoked = await revokeTokens(tx, { userId });
  if (revoked.length > 0) {
    await recordEvent(tx, ctx, {
      type: 'token.revoked',
      actorId: ctx.actor?.userId ?? userId,
      targetType: 'user',
      targetId: userId,
      details: { count: revoked.length, reason },
    });
  }
  tokensRevoked(ctx.effects, revoked);
  return revoked.length;
}

/**
 * Records that a user was disabled or enabled, or their role changed: once committed, every
 * instance refuses their tokens or sees the new role at once.
 */
export function tokenOwnerChanged(effects: Effects, userId: string): void {
  effects.afterCommit('token-owner-changed', ({ db, cache }) => recacheTokens(db, cache, userId));
}
