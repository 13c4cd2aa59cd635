import { useState } from 'preact/hooks';
import { api, describe } from '../api';
import { useLoad } from '../hooks';
import { Copyable, ErrorNote, Field, ListTable, Notice, When } from '../components/ui';
import { field } from '../form';

/** Personal access tokens: the token shown once, scopes, expiry, revocation. */
export function Tokens() {
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<string | null>(null);
  const tokens = useLoad(async () => (await api.GET('/api/v1/users/me/tokens')).data!.data, []);
  const onCreate = async (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    setError(null);
    try {
      const { data } = await api.POST('/api/v1/users/me/tokens', {
        body: {
          name: field(form, 'name'),
          scopes: form.get('write') ? ['read', 'write'] : ['read'],
          expiresInDays: Number(form.get('days')),
        },
      });
      setCreated(data!.token);
      formEl.reset();
      await tokens.reload();
    } catch (e) {
      setError(e);
    }
  };
  const revoke = async (id: string, name: string) => {
    if (!confirm(`Revoke “${name}”? Whatever uses it stops working at once.`)) return;
    try {
      await api.DELETE('/api/v1/users/me/tokens/{id}', { params: { path: { id } } });
      await tokens.reload();
    } catch (e) {
      setError(e);
    }
  };
  const fields = describe(error).fields;
  return (
    <div>
      <h2>Personal access tokens</h2>
      <p>
        For scripts and CI: sent as <code>Authorization: Bearer gilla_pat_…</code>.
      </p>
      {created && (
        <Notice>
          Copy the token now: it is not shown again.
          <Copyable label="New token" value={created} />
        </Notice>
      )}
      <ListTable columns={['Name', 'Scopes', 'Expires', 'Last used', 'Revoke']}>
        {tokens.data?.map((t) => (
          <tr key={t.id}>
            <td>{t.name}</td>
            <td>{t.scopes.join(', ')}</td>
            <td>
              <When at={t.expiresAt} />
            </td>
            <td>
              <When at={t.lastUsedAt} />
            </td>
            <td>
              <button type="button" class="danger small" onClick={() => void revoke(t.id, t.name)}>
                Revoke {t.name}
              </button>
            </td>
          </tr>
        ))}
      </ListTable>
      <form onSubmit={(e) => void onCreate(e)} aria-label="New token">
        <Field label="Token name" name="name" required maxLength={100} error={fields.name} />
        <Field
          label="Expires in days"
          name="days"
          type="number"
          min={1}
          max={365}
          defaultValue="90"
          required
          error={fields.expiresInDays}
        />
        <div class="check">
          <input id="token-write" type="checkbox" name="write" />
          <label for="token-write">Allow changes (write scope), not only reading</label>
        </div>
        <button type="submit">Create token</button>
      </form>
      <ErrorNote error={error ?? tokens.error} />
    </div>
  );
}
