import { useRoute } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, describe, refreshUser, signOut } from '../api';
import { useUser } from '../hooks';
import { ErrorNote, Field, Notice } from '../components/ui';
import { Mfa } from './account-mfa';
import { Passkeys } from './account-passkeys';
import { Sessions } from './account-sessions';
import { Tokens } from './account-tokens';
import { field } from '../form';

const TABS = [
  ['', 'Profile'],
  ['security', 'Password and sign-in'],
  ['sessions', 'Sessions'],
  ['tokens', 'Access tokens'],
] as const;

export function Account() {
  const tab = useRoute().params.tab ?? '';
  return (
    <section>
      <h1 tabIndex={-1}>Your account</h1>
      <nav class="tabs" aria-label="Account">
        {TABS.map(([t, label]) => (
          <a
            key={t}
            href={`/account${t ? `/${t}` : ''}`}
            aria-current={tab === t ? 'page' : undefined}
          >
            {label}
          </a>
        ))}
      </nav>
      {tab === '' && <Profile />}
      {tab === 'security' && (
        <>
          <Password />
          <Mfa />
          <Passkeys />
        </>
      )}
      {tab === 'sessions' && <Sessions />}
      {tab === 'tokens' && <Tokens />}
    </section>
  );
}

function Profile() {
  const user = useUser()!;
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState('');
  const onSave = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setError(null);
    setNote('');
    try {
      const avatarUrl = field(form, 'avatarUrl').trim();
      const { data } = await api.PATCH('/api/v1/users/me', {
        body: { name: field(form, 'name'), avatarUrl: avatarUrl || null },
      });
      refreshUser(data!);
      setNote('Saved.');
    } catch (e) {
      setError(e);
    }
  };
  const resend = async () => {
    setError(null);
    try {
      await api.POST('/api/v1/auth/email/verify/resend');
      setNote('A new verification link is on its way.');
    } catch (e) {
      setError(e);
    }
  };
  const onDelete = async () => {
    const password = prompt('To delete your account and the projects you own, type your password:');
    if (password === null) return;
    try {
      await api.DELETE('/api/v1/users/me', { body: password ? { password } : {} });
      await signOut();
    } catch (e) {
      setError(e);
    }
  };
  const fields = describe(error).fields;
  return (
    <div>
      <h2>Profile</h2>
      <p>
        {user.email}{' '}
        {user.emailVerified ? (
          <span class="tag ok">verified</span>
        ) : (
          <>
            <span class="tag warn">not verified</span>{' '}
            <button type="button" class="secondary small" onClick={() => void resend()}>
              Send the verification link again
            </button>
          </>
        )}
      </p>
      <form onSubmit={(e) => void onSave(e)} aria-label="Profile">
        <Field label="Name" name="name" defaultValue={user.name ?? ''} error={fields.name} />
        <Field
          label="Picture URL"
          name="avatarUrl"
          type="url"
          defaultValue={user.avatarUrl ?? ''}
          error={fields.avatarUrl}
        />
        <button type="submit">Save profile</button>
      </form>
      {note && <Notice>{note}</Notice>}
      <ErrorNote error={error} />
      <h3>Delete your account</h3>
      <p>Your account goes, and with it the projects you own.</p>
      <button type="button" class="danger" onClick={() => void onDelete()}>
        Delete account
      </button>
    </div>
  );
}

function Password() {
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    setError(null);
    setDone(false);
    try {
      await api.PUT('/api/v1/users/me/password', {
        body: {
          currentPassword: field(form, 'currentPassword'),
          newPassword: field(form, 'newPassword'),
        },
      });
      formEl.reset();
      setDone(true);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <h2>Password</h2>
      <form onSubmit={(e) => void onSubmit(e)} aria-label="Change password">
        <Field
          label="Current password"
          name="currentPassword"
          type="password"
          autocomplete="current-password"
        />
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autocomplete="new-password"
          minLength={8}
          required
          error={describe(error).fields.newPassword}
        />
        <ErrorNote error={error} />
        <button type="submit">Change password</button>
      </form>
      {done && <Notice>Password changed. Your other sessions have ended.</Notice>}
    </div>
  );
}
