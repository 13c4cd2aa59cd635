import { useState } from 'preact/hooks';
import { api } from '../api';
import { usePaged } from '../hooks';
import { ErrorNote, Field, Select, When } from '../components/ui';
import type { Item } from './specification';
import { field } from '../form';

/** Electronic signatures on the item; signing asks for the signer's password again. */
export function ItemApprovals({ item, canWrite }: { item: Item; canWrite: boolean }) {
  const [error, setError] = useState<unknown>(null);
  const approvals = usePaged(
    async (cursor) => {
      const { data } = await api.GET('/api/v1/items/{itemId}/approvals', {
        params: { path: { itemId: item.id }, query: { limit: 50, ...(cursor ? { cursor } : {}) } },
      });
      return data!;
    },
    [item.id, item.version],
  );
  const onSign = async (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    setError(null);
    try {
      const comment = field(form, 'comment').trim();
      const password = field(form, 'password');
      await api.POST('/api/v1/items/{itemId}/approvals', {
        params: { path: { itemId: item.id } },
        body: {
          meaning: field(form, 'meaning') as 'approved' | 'reviewed' | 'rejected',
          ...(comment ? { comment } : {}),
          ...(password ? { password } : {}),
        },
      });
      formEl.reset();
      await approvals.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-label={`Approvals of ${item.key}`}>
      <h3>Approvals</h3>
      <ul class="feed">
        {approvals.items.map((a) => (
          <li key={a.id}>
            <strong>{a.meaning}</strong> by {a.signedBy.name ?? a.signedBy.email} (v{a.version}){' '}
            <When at={a.signedAt} />
            {!a.valid && <span class="tag warn">changed since</span>}
            {a.comment && <p>{a.comment}</p>}
          </li>
        ))}
      </ul>
      {!approvals.loading && approvals.items.length === 0 && <p class="empty">No signatures.</p>}
      {canWrite && (
        <form onSubmit={(e) => void onSign(e)} aria-label={`Sign ${item.key}`}>
          <Select label="Meaning" name="meaning" options={['approved', 'reviewed', 'rejected']} />
          <Field label="Comment" name="comment" maxLength={2000} />
          <Field
            label="Your password"
            name="password"
            type="password"
            autocomplete="current-password"
            hint="Signing needs your password again"
          />
          <ErrorNote error={error} />
          <button type="submit">Sign</button>
        </form>
      )}
    </section>
  );
}
