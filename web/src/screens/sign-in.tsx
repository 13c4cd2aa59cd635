import { startAuthentication } from '@simplewebauthn/browser';
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, describe, signedIn, type TokenResponse } from '../api';
import { useLoad } from '../hooks';
import { ErrorNote, Field } from '../components/ui';
import { MfaStep, type MfaRequired } from './mfa-step';
import { field } from '../form';

type SignInAnswer = TokenResponse | MfaRequired;

/** Where to go after signing in: a page of this console, never another site. */
export function nextPage(query: Record<string, string>): string {
  try {
    const next = new URL(query.next ?? '/', location.origin);
    if (next.origin !== location.origin || next.pathname.startsWith('//')) return '/';
    return `${next.pathname}${next.search}${next.hash}`;
  } catch {
    return '/';
  }
}

export function SignIn() {
  const { query, route } = useLocation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [mfa, setMfa] = useState<MfaRequired | null>(null);
  const config = useLoad(async () => (await api.GET('/api/v1/config')).data, []);
  const providers = config.data?.app.providers ?? [];

  const finish = (answer: SignInAnswer) => {
    if ('mfaRequired' in answer) return setMfa(answer);
    signedIn(answer);
    route(nextPage(query), true);
  };

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      const { data } = await api.POST('/api/v1/auth/login', {
        body: { email: field(form, 'email'), password: field(form, 'password') },
      });
      finish(data!);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const withPasskey = async () => {
    setError(null);
    try {
      const { data: options } = await api.POST('/api/v1/auth/passkey/options');
      const response = await startAuthentication({ optionsJSON: options as never });
      const { data } = await api.POST('/api/v1/auth/passkey/login', {
        body: { response: response as never },
      });
      finish(data!);
    } catch (e) {
      setError(e);
    }
  };

  if (mfa) return <MfaStep challenge={mfa} onDone={finish} />;
  const callback = `${location.origin}/oauth/callback`;
  return (
    <section class="narrow">
      <h1 tabIndex={-1}>Sign in</h1>
      <form onSubmit={(e) => void onSubmit(e)} aria-label="Sign in">
        <Field label="Email" name="email" type="email" autocomplete="username" required />
        <Field
          label="Password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
        />
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <div class="alternatives">
        {'PublicKeyCredential' in window && (
          <button type="button" class="secondary" onClick={() => void withPasskey()}>
            Use a passkey
          </button>
        )}
        {providers.map((p) => (
          <a
            key={p.id}
            class="button secondary"
            // A page load, not a route of the console (the router leaves `_top` links alone).
            target="_top"
            href={`/api/v1/auth/oauth/${p.id}/start?redirectTo=${encodeURIComponent(callback)}`}
          >
            Continue with {p.name}
          </a>
        ))}
      </div>
      <p>
        <a href="/forgot-password">Forgot your password?</a>
      </p>
      {config.data?.app.registrationOpen !== false && (
        <p>
          New here? <a href="/sign-up">Create account</a>
        </p>
      )}
      {Boolean(config.error) && <p class="muted">{describe(config.error).message}</p>}
    </section>
  );
}
