import { startRegistration } from '@simplewebauthn/browser';
import { useState } from 'preact/hooks';
import { api } from '../api';
import { useLoad } from '../hooks';
import { ErrorNote, Field, When } from '../components/ui';
import { field } from '../form';

export function Passkeys() {
  const [error, setError] = useState<unknown>(null);
  const passkeys = useLoad(async () => (await api.GET('/api/v1/users/me/passkeys')).data!.data, []);
  const onAdd = async (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    const name = field(new FormData(formEl), 'name').trim();
    setError(null);
    try {
      const { data: options } = await api.POST('/api/v1/users/me/passkeys/options');
      const response = await startRegistration({ optionsJSON: options as never });
      await api.POST('/api/v1/users/me/passkeys', {
        body: { response: response as never, ...(name ? { name } : {}) },
      });
      formEl.reset();
      await passkeys.reload();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async (id: string, name: string) => {
    if (!confirm(`Remove the passkey “${name}”?`)) return;
    setError(null);
    try {
      await api.DELETE('/api/v1/users/me/passkeys/{id}', { params: { path: { id } } });
      await passkeys.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <h2>Passkeys</h2>
      <p>Sign in with your device's lock (fingerprint, face or PIN) instead of a password.</p>
      <ul class="feed">
        {passkeys.data?.map((p) => (
          <li key={p.id}>
            <strong>{p.name}</strong> added <When at={p.createdAt} />, last used{' '}
            <When at={p.lastUsedAt} />{' '}
            <button type="button" class="danger small" onClick={() => void remove(p.id, p.name)}>
              Remove {p.name}
            </button>
          </li>
        ))}
      </ul>
      {'PublicKeyCredential' in window ? (
        <form class="inline" onSubmit={(e) => void onAdd(e)} aria-label="Add a passkey">
          <Field label="Passkey name" name="name" maxLength={100} placeholder="e.g. Laptop" />
          <button type="submit">Add passkey</button>
        </form>
      ) : (
        <p class="muted">This browser has no passkey support.</p>
      )}
      <ErrorNote error={error ?? passkeys.error} />
    </div>
  );
}
