import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, describe } from '../api';
import { ErrorNote, Field, Notice } from '../components/ui';
import { field } from '../form';

/** Where the mailed reset link lands: `/reset-password?token=…`. */
export function ResetPassword() {
  const { query } = useLocation();
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const token = query.token ?? '';
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const password = field(new FormData(event.currentTarget as HTMLFormElement), 'password');
    setError(null);
    try {
      await api.POST('/api/v1/auth/password/reset', { body: { token, password } });
      setDone(true);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="narrow">
      <h1 tabIndex={-1}>Choose a new password</h1>
      {!token && <p class="error">This link has no token. Ask for a new one.</p>}
      {done ? (
        <Notice>
          Your password is changed and every session has ended. <a href="/sign-in">Sign in</a> with
          the new one.
        </Notice>
      ) : (
        <form onSubmit={(e) => void onSubmit(e)} aria-label="Choose a new password">
          <Field
            label="New password"
            name="password"
            type="password"
            autocomplete="new-password"
            minLength={8}
            required
            error={describe(error).fields.password}
          />
          <ErrorNote error={error} />
          <button type="submit" disabled={!token}>
            Set password
          </button>
        </form>
      )}
      <p>
        <a href="/forgot-password">Ask for a new link</a>
      </p>
    </section>
  );
}
