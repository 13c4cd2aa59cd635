import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, describe, signedIn } from '../api';
import { ErrorNote, Field } from '../components/ui';
import { field } from '../form';

export function SignUp() {
  const { route } = useLocation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fields = describe(error).fields;
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      const name = field(form, 'name').trim();
      const { data } = await api.POST('/api/v1/auth/register', {
        body: {
          email: field(form, 'email'),
          password: field(form, 'password'),
          ...(name ? { name } : {}),
        },
      });
      signedIn(data!);
      route('/', true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="narrow">
      <h1 tabIndex={-1}>Create account</h1>
      <form onSubmit={(e) => void onSubmit(e)} aria-label="Create account">
        <Field label="Name" name="name" autocomplete="name" error={fields.name} />
        <Field
          label="Email"
          name="email"
          type="email"
          autocomplete="email"
          required
          error={fields.email}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autocomplete="new-password"
          minLength={8}
          required
          hint="At least 8 characters"
          error={fields.password}
        />
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>
          Create account
        </button>
      </form>
      <p>
        Have an account? <a href="/sign-in">Sign in</a>
      </p>
    </section>
  );
}
