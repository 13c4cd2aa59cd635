import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, describe, signedIn, type TokenResponse } from '../api';
import { useLoad } from '../hooks';
import { Loading } from '../components/ui';
import { MfaStep, type MfaRequired } from './mfa-step';

/** Where a provider's sign-in comes back: `?loginCode=` is exchanged for a session. */
export function OAuthCallback() {
  const { query, route } = useLocation();
  const [mfa, setMfa] = useState<MfaRequired | null>(null);
  const done = (answer: TokenResponse) => {
    signedIn(answer);
    route('/', true);
  };
  const result = useLoad(async () => {
    if (query.error) throw new Error(query.error_description ?? query.error);
    const { data } = await api.POST('/api/v1/auth/oauth/exchange', {
      body: { loginCode: query.loginCode ?? '' },
    });
    if ('mfaRequired' in data!) setMfa(data);
    else done(data!);
    return true;
  }, []);
  if (mfa) return <MfaStep challenge={mfa} onDone={done} />;
  return (
    <section class="narrow">
      <h1 tabIndex={-1}>Signing in</h1>
      {result.loading && <Loading label="Finishing the sign-in" />}
      {Boolean(result.error) && (
        <p class="error" role="alert">
          The sign-in did not finish: {describe(result.error).message}
        </p>
      )}
      <p>
        <a href="/sign-in">Back to sign in</a>
      </p>
    </section>
  );
}
