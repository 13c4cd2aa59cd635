import { recordEvent } from '../audit/audit.service.js';
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { decodeCursor, pageOf } from '../domain/cursor.js';
import { NotFoundError } from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import { cachedValue, type Cache, type CachedValue } from '../platform/cache.js';
import type { Database } from '../platform/schema.js';
import {
  deleteFlagRow,
  findFlagRow,
  insertFlagHistory,
  listFlagHistory,
  listFlagRows,
  upsertFlagRow,
} from './flags.repository.js';
import type { FeatureFlagRow } from './flags.table.js';

/** A feature flag as the API shows it. */
export interface Flag {
  key: string;
  enabled: boolean;
  description: string | null;
  rolloutPercent: number;
  allowUsers: string[];
  denyUsers: string[];
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string | null;
  version: number;
}

export interface FlagInput {
  enabled: boolean;
  description?: string | undefined;
  rolloutPercent?: number | undefined;
  allowUsers?: string[] | undefined;
  denyUsers?: string[] | undefined;
}

function rowToFlag(row: FeatureFlagRow): Flag {
  return {
    key: row.key,
    enabled: row.enabled,
    description: row.description,
    rolloutPercent: row.rollout_percent,
    allowUsers: row.allow_users,
    denyUsers: row.deny_users,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    version: row.version,
  };
}

/** Where a user falls for a flag, in [0, 100): stable per (flag, user). */
export function rolloutBucket(key: string, userId: string): number {
  const digest = createHash('sha256').update(`${key}\0${userId}`).digest();
  return (digest.readUInt32BE(0) % 10_000) / 100;
}

/**
 * Disabled → false; denied → false; allowed → true; otherwise the user's stable bucket against the
 * percentage (so a user keeps a "true" as the percentage grows). Anonymous: true only at 100 %.
 */
export function evaluateFlag(
  flag: Pick<Flag, 'key' | 'enabled' | 'rolloutPercent' | 'allowUsers' | 'denyUsers'>,
  userId: string | null,
): boolean {
  if (!flag.enabled) return false;
  if (userId === null) return flag.rolloutPercent >= 100;
  if (flag.denyUsers.includes(userId)) return false;
  if (flag.allowUsers.includes(userId)) return true;
  return rolloutBucket(flag.key, userId) < flag.rolloutPercent;
}

const CACHE_KEY = 'flags:all';
const CACHE_TTL_SECONDS = 30;

/** Every flag, read through the cache (shared across instances with Redis). */
function cachedFlags(db: Kysely<Database>, cache: Cache): CachedValue<Flag[]> {
  return cachedValue(
    cache,
    CACHE_KEY,
    CACHE_TTL_SECONDS,
    async () => (await listFlagRows(db)).map(rowToFlag),
    (flags) =>
      flags.map((f) => ({
        ...f,
        createdAt: new Date(f.createdAt),
        updatedAt: new Date(f.updatedAt),
      })),
  );
}

/** Every flag. */
export function allFlags(db: Kysely<Database>, cache: Cache): Promise<Flag[]> {
  return cachedFlags(db, cache).read();
}

/** Whether a flag is on for a user (null: anonymous); unknown flags are off. */
export async function isFlagEnabled(
  db: Kysely<Database>,
  cache: Cache,
  key: string,
  userId: string | null,
): Promise<boolean> {
  const flag = (await allFlags(db, cache)).find((f) => f.key === key);
  return flag !== undefined && evaluateFlag(flag, userId);
}

/** Every flag evaluated for one caller. */
export async function evaluateFlags(
  db: Kysely<Database>,
  cache: Cache,
  userId: string | null,
): Promise<Record<string, boolean>> {
  const flags = await allFlags(db, cache);
  return Object.fromEntries(flags.map((f) => [f.key, evaluateFlag(f, userId)]));
}

/** Records that flags changed: once committed, every instance reads them afresh. */
function flagsChanged(ctx: Context): void {
  ctx.effects.afterCommit('flags-version', ({ db, cache }) => cachedFlags(db, cache).invalidate());
}

/** Creates or replaces a flag, recording who changed what, in one transaction. */
export async function putFlag(
  trx: Kysely<Database>,
  ctx: Context,
  key: string,
  input: FlagInput,
): Promise<Flag> {
  const actorId = ctx.actor.userId;
  const before = await findFlagRow(trx, key);
  const row = await upsertFlagRow(trx, {
    key,
    enabled: input.enabled,
    description: input.description ?? null,
    rollout_percent: input.rolloutPercent ?? (input.enabled ? 100 : 0),
    allow_users: [...new Set(input.allowUsers ?? [])],
    deny_users: [...new Set(input.denyUsers ?? [])],
    updated_by: actorId,
  });
  const after = rowToFlag(row);
  await insertFlagHistory(trx, {
    flag_key: key,
    action: before ? 'updated' : 'created',
    changed_by: actorId,
    before: before ? rowToFlag(before) : null,
    after,
  });
  await recordEvent(trx, ctx, {
    type: 'admin.flag.changed',
    targetType: 'flag',
    targetId: key,
    details: { action: before ? 'updated' : 'created', enabled: after.enabled },
  });
  flagsChanged(ctx);
  return after;
}

/** Deletes a flag, recording who did. */
export async function removeFlag(trx: Kysely<Database>, ctx: Context, key: string): Promise<void> {
  const actorId = ctx.actor.userId;
  const before = await findFlagRow(trx, key);
  if (!before) throw new NotFoundError('Flag');
  await deleteFlagRow(trx, key);
  await insertFlagHistory(trx, {
    flag_key: key,
    action: 'deleted',
    changed_by: actorId,
    before: rowToFlag(before),
    after: null,
  });
  await recordEvent(trx, ctx, {
    type: 'admin.flag.changed',
    targetType: 'flag',
    targetId: key,
    details: { action: 'deleted' },
  });
  flagsChanged(ctx);
}

export async function flagHistoryPage(
  db: Kysely<Database>,
  key: string,
  query: { limit: number; cursor?: string | undefined },
) {
  const before = decodeCursor(query.cursor, 'uuid');
  const rows = await listFlagHistory(db, key, { before, limit: query.limit + 1 });
  return pageOf(
    rows,
    query.limit,
    (r) => ({
      id: r.id,
      action: r.action,
      changedBy: r.changed_by,
      changedAt: r.changed_at,
      before: r.before,
      after: r.after,
    }),
    (r) => r.id,
  );
}
