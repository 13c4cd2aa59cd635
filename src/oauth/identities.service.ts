import { type Kysely } from 'kysely';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Database } from '../platform/schema.js';
import { lockUser } from '../users/users.repository.js';
import { deleteIdentity } from './oauth.repository.js';
import type { ProviderId } from './oauth.table.js';

/**
 * Unlinks a provider from the caller, unless it is the last way to sign in (no password and no
 * other provider that is still enabled). The user row is locked, so two unlinks at once cannot
 * remove both ways.
 */
export async function unlinkProvider(
  db: Kysely<Database>,
  input: { userId: string; provider: string; enabled: string[] },
): Promise<void> {
  const { userId, provider } = input;
  await db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (!user) throw new NotFoundError('User');
    const linked = user.identity_providers;
    if (!linked.includes(provider)) throw new NotFoundError('Linked provider');
    const others = linked.filter((p) => p !== provider && input.enabled.includes(p));
    if (user.password_hash === null && others.length === 0) {
      throw new ConflictError(
        'This is the last way to sign in; set a password or link another provider first',
      );
    }
    await deleteIdentity(trx, userId, provider as ProviderId);
  });
}
