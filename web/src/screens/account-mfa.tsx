import QRCode from 'qrcode';
import { useState } from 'preact/hooks';
import { api } from '../api';
import { useLoad } from '../hooks';
import { ErrorNote, Field, Loading, Notice, When } from '../components/ui';
import { field } from '../form';

/** TOTP: enrol with a QR code and a first code (recovery codes shown once), or turn it off. */
export function Mfa() {
  const [error, setError] = useState<unknown>(null);
  const [enrolment, setEnrolment] = useState<{ secret: string; qr: string } | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const state = useLoad(async () => (await api.GET('/api/v1/users/me/mfa/totp')).data!, []);

  const start = async () => {
    setError(null);
    try {
      const { data } = await api.POST('/api/v1/users/me/mfa/totp');
      setEnrolment({ secret: data!.secret, qr: await QRCode.toDataURL(data!.otpauthUrl) });
    } catch (e) {
      setError(e);
    }
  };
  const confirmCode = async (event: Event) => {
    event.preventDefault();
    const code = field(new FormData(event.currentTarget as HTMLFormElement), 'code').trim();
    setError(null);
    try {
      const { data } = await api.POST('/api/v1/users/me/mfa/totp/verify', { body: { code } });
      setCodes(data!.recoveryCodes);
      setEnrolment(null);
      await state.reload();
    } catch (e) {
      setError(e);
    }
  };
  const turnOff = async (event: Event) => {
    event.preventDefault();
    const code = field(new FormData(event.currentTarget as HTMLFormElement), 'code').trim();
    setError(null);
    try {
      await api.DELETE('/api/v1/users/me/mfa/totp', {
        body: /^[0-9]{6}$/.test(code) ? { code } : { recoveryCode: code },
      });
      setCodes(null);
      await state.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div>
      <h2>Two-step sign-in</h2>
      {!state.data && <Loading />}
      {codes && (
        <Notice>
          Two-step sign-in is on. Keep these recovery codes somewhere safe: each works once, and
          they are not shown again.
          <ul class="codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </Notice>
      )}
      {state.data?.enabled ? (
        <>
          <p>
            On since <When at={state.data.enabledAt} />.
          </p>
          <form
            class="inline"
            onSubmit={(e) => void turnOff(e)}
            aria-label="Turn off two-step sign-in"
          >
            <Field
              label="Code or recovery code"
              name="code"
              autocomplete="one-time-code"
              required
            />
            <button type="submit" class="danger">
              Turn off
            </button>
          </form>
        </>
      ) : enrolment ? (
        <>
          <p>Scan this with your authenticator app, or type the key, then enter its first code.</p>
          <img
            src={enrolment.qr}
            alt="QR code for the authenticator app"
            width={200}
            height={200}
          />
          <p>
            Key: <code class="url">{enrolment.secret}</code>
          </p>
          <form
            class="inline"
            onSubmit={(e) => void confirmCode(e)}
            aria-label="Confirm two-step sign-in"
          >
            <Field
              label="Authentication code"
              name="code"
              inputMode="numeric"
              autocomplete="one-time-code"
              pattern="[0-9]{6}"
              required
            />
            <button type="submit">Turn on</button>
          </form>
        </>
      ) : (
        state.data && (
          <>
            <p>Off. With it on, signing in also asks for a code from an authenticator app.</p>
            <button type="button" onClick={() => void start()}>
              Set up two-step sign-in
            </button>
          </>
        )
      )}
      <ErrorNote error={error ?? state.error} />
    </div>
  );
}
