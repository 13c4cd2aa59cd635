import type { Kysely } from 'kysely';
import { recordEvent } from '../audit/audit.service.js';
import { endSessions, roleChanged } from '../auth/sessions.service.js';
import {
  ForbiddenError,
  InsufficientScopeError,
  LastAdminError,
  NotFoundError,
} from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import { resetMfa } from '../mfa/mfa.service.js';
import type { Database } from '../platform/schema.js';
import { tokenOwnerChanged } from '../tokens/tokens.service.js';
import {
  findUserById,
  lockActiveAdminIds,
  toAdminUser,
  updateUser,
  type AdminUser,
} from '../users/users.service.js';
import type { UserRole } from '../users/users.table.js';

/**
 * Changes a user's role, disables them, or turns their TOTP off (`resetMfa`: a lost phone).
 * Disabling ends their sessions and refuses their tokens at once; a role change reaches their live
 * sessions and tokens at once. The last active admin cannot be demoted or disabled.
 */
export async function adminUpdateUser(
  trx: Kysely<Database>,
  ctx: Context,
  userId: string,
  input: {
    role?: UserRole | undefined;
    disabled?: boolean | undefined;
    resetMfa?: boolean | undefined;
  },
): Promise<AdminUser> {
  const { actor, effects } = ctx;
  if (input.resetMfa === true) {
    // Turning a second factor off needs a person, and one's own needs a code.
    if (actor.token) throw new InsufficientScopeError('Resetting MFA needs a signed-in session');
    if (userId === actor.userId) {
      throw new ForbiddenError('Turn your own TOTP off with DELETE /users/me/mfa/totp and a code');
    }
  }
  const current = await findUserById(trx, userId);
  if (!current) throw new NotFoundError('User');
  const losesAdmin =
    current.role === 'admin' &&
    current.disabled_at === null &&
    (input.role === 'user' || input.disabled === true);
  // Locking every active admin serializes concurrent demotions: two admins demoting each other
  // (or themselves) at once cannot leave none.
  if (losesAdmin && (await lockActiveAdminIds(trx)).every((id) => id === userId)) {
    throw new LastAdminError(
      userId === actor.userId
        ? 'The last administrator cannot demote or disable themself'
        : 'The last administrator cannot be demoted or disabled',
    );
  }
  const disabledAt =
    input.disabled === undefined
      ? undefined
      : input.disabled
        ? (current.disabled_at ?? new Date())
        : null;
  const row = await updateUser(trx, userId, {
    ...(input.role !== undefined ? { role: input.role } : {}),
    ...(disabledAt !== undefined ? { disabled_at: disabledAt } : {}),
  });
  if (!row) throw new NotFoundError('User');
  if (input.disabled === true) await endSessions(trx, effects, { userId });
  if (input.role !== undefined) roleChanged(effects, userId);
  if (input.role !== undefined || input.disabled !== undefined) {
    tokenOwnerChanged(effects, userId);
  }
  const mfaReset = input.resetMfa === true && (await resetMfa(trx, ctx, userId));
  await recordEvent(trx, ctx, {
    type: 'admin.user.updated',
    targetType: 'user',
    targetId: userId,
    details: {
      ...(input.role !== undefined ? { role: input.role, previousRole: current.role } : {}),
      ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
      ...(input.resetMfa !== undefined ? { resetMfa: input.resetMfa, mfaWasOn: mfaReset } : {}),
    },
  });
  return toAdminUser(row);
}
