import type { Kysely } from 'kysely';
import { LastSignInMethodError, NotFoundError } from '../domain/errors.js';
import type { Context } from '../domain/unit-of-work.js';
import { hasPasskeys } from '../passkeys/passkeys.service.js';
import type { Database } from '../platform/schema.js';
import { deleteIdentity, lockUser } from '../users/users.service.js';
import type { ProviderId } from './oauth.table.js';

/**
 * Unlinks a provider from the caller, unless it is the last way to sign in (no password, no
 * passkey and no other provider that is still enabled). The user row is locked, so two unlinks at once cannot
 * remove both ways.
 */
export async function unlinkProvider(
  tx: Kysely<Database>,
  { actor }: Context,
  input: { provider: string; enabled: string[] },
): Promise<void> {
  const { provider } = input;
  const user = await lockUser(tx, actor.userId);
  if (!user) throw new NotFoundError('User');
  const linked = user.identity_providers;
  if (!linked.includes(provider)) throw new NotFoundError('Linked provider');
  const others = linked.filter((p) => p !== provider && input.enabled.includes(p));
  if (user.password_hash === null && others.length === 0 && !(await hasPasskeys(tx, user.id))) {
    throw new LastSignInMethodError();
  }
  await deleteIdentity(tx, actor.userId, provider as ProviderId);
}
