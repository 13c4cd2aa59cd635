import { useLocation } from 'preact-iso';
import { api, describe, restoreSession } from '../api';
import { useLoad } from '../hooks';
import { Loading, Notice } from '../components/ui';

/** Where the mailed verification link lands: `/verify-email?token=…` verifies on opening. */
export function VerifyEmail() {
  const { query } = useLocation();
  const token = query.token ?? '';
  const result = useLoad(async () => {
    if (!token) throw new Error('This link has no token.');
    await api.POST('/api/v1/auth/email/verify', { body: { token } });
    // Signed in here: the account page shows the address verified at once.
    await restoreSession().catch(() => undefined);
    return true;
  }, [token]);
  return (
    <section class="narrow">
      <h1 tabIndex={-1}>Verify your e-mail address</h1>
      {result.loading && <Loading label="Verifying" />}
      {result.data && <Notice>Your address is verified. Thank you.</Notice>}
      {Boolean(result.error) && (
        <p class="error" role="alert">
          {describe(result.error).message} The link may be used or expired: sign in and ask for a
          new one from your account page.
        </p>
      )}
      <p>
        <a href="/">Go to Gilla</a>
      </p>
    </section>
  );
}
