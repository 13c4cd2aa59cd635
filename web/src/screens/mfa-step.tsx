import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type TokenResponse } from '../api';
import { ErrorNote, Field } from '../components/ui';
import { field } from '../form';

export interface MfaRequired {
  mfaRequired: true;
  mfaToken: string;
  methods: string[];
}

/** The second step of a sign-in with TOTP on: a code from the app, or a recovery code. */
export function MfaStep(props: {
  challenge: MfaRequired;
  onDone: (answer: TokenResponse) => void;
}) {
  const [recovery, setRecovery] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  // It replaces the sign-in form on the same page: move the focus to it.
  useEffect(() => heading.current?.focus(), []);
  const [error, setError] = useState<unknown>(null);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const value = field(new FormData(event.currentTarget as HTMLFormElement), 'code').trim();
    setError(null);
    try {
      const { mfaToken } = props.challenge;
      const { data } = await api.POST('/api/v1/auth/mfa/verify', {
        body: recovery ? { mfaToken, recoveryCode: value } : { mfaToken, code: value },
      });
      props.onDone(data!);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="narrow">
      <h1 tabIndex={-1} ref={heading}>
        Two-step sign-in
      </h1>
      <form onSubmit={(e) => void onSubmit(e)} aria-label="Two-step sign-in">
        {recovery ? (
          <Field key="recovery" label="Recovery code" name="code" autocomplete="off" required />
        ) : (
          <Field
            key="totp"
            label="Authentication code"
            name="code"
            inputMode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9]{6}"
            hint="The six digits your authenticator app shows"
            required
          />
        )}
        <ErrorNote error={error} />
        <button type="submit">Verify</button>
      </form>
      {props.challenge.methods.includes('recovery_code') && (
        <button
          type="button"
          class="link"
          onClick={() => {
            setRecovery(!recovery);
            setError(null);
          }}
        >
          {recovery ? 'Use the authenticator app' : 'Use a recovery code'}
        </button>
      )}
    </section>
  );
}
