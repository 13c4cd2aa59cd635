import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorNote, Field, Notice } from '../components/ui';
import { field } from '../form';

export function ForgotPassword() {
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const email = field(new FormData(event.currentTarget as HTMLFormElement), 'email');
    setError(null);
    try {
      await api.POST('/api/v1/auth/password/forgot', { body: { email } });
      setSent(true);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="narrow">
      <h1 tabIndex={-1}>Reset your password</h1>
      {sent ? (
        <Notice>
          If an account has this address, a link to reset its password is on its way. It works once,
          for a short while.
        </Notice>
      ) : (
        <form onSubmit={(e) => void onSubmit(e)} aria-label="Reset your password">
          <Field label="Email" name="email" type="email" autocomplete="email" required />
          <ErrorNote error={error} />
          <button type="submit">Send the link</button>
        </form>
      )}
      <p>
        <a href="/sign-in">Back to sign in</a>
      </p>
    </section>
  );
}
