import { useRoute } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api } from '../api';
import { useLoad, usePaged, useUser } from '../hooks';
import { ErrorNote, Field, ListTable, Loading, MoreButton, When } from '../components/ui';
import { field } from '../form';

const TABS = [
  ['', 'Users'],
  ['flags', 'Feature flags'],
  ['audit', 'Audit log'],
] as const;

export function Admin() {
  const tab = useRoute().params.tab ?? '';
  const me = useUser();
  if (me?.role !== 'admin') {
    return (
      <section>
        <h1 tabIndex={-1}>Admin</h1>
        <p>Only administrators see this page.</p>
      </section>
    );
  }
  return (
    <section>
      <h1 tabIndex={-1}>Admin</h1>
      <nav class="tabs" aria-label="Admin">
        {TABS.map(([t, label]) => (
          <a
            key={t}
            href={`/admin${t ? `/${t}` : ''}`}
            aria-current={tab === t ? 'page' : undefined}
          >
            {label}
          </a>
        ))}
      </nav>
      {tab === '' && <Users />}
      {tab === 'flags' && <Flags />}
      {tab === 'audit' && <Audit />}
    </section>
  );
}

function Users() {
  const me = useUser();
  const [email, setEmail] = useState('');
  const [error, setError] = useState<unknown>(null);
  const users = usePaged(
    async (cursor) => {
      const { data } = await api.GET('/api/v1/admin/users', {
        params: {
          query: { limit: 50, ...(email ? { email } : {}), ...(cursor ? { cursor } : {}) },
        },
      });
      return data!;
    },
    [email],
  );
  const update = async (
    id: string,
    body: { role?: 'user' | 'admin'; disabled?: boolean; resetMfa?: true },
  ) => {
    setError(null);
    try {
      const { data } = await api.PATCH('/api/v1/admin/users/{id}', {
        params: { path: { id } },
        body,
      });
      users.setItems((list) => list.map((u) => (u.id === id ? { ...u, ...data! } : u)));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <h2>Users</h2>
      <form
        class="inline"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setEmail(field(new FormData(e.currentTarget), 'email').trim());
        }}
      >
        <Field label="Find by email" name="email" type="search" />
        <button type="submit">Find</button>
      </form>
      <ErrorNote error={error ?? users.error} />
      {users.loading && users.items.length === 0 && <Loading />}
      <ListTable columns={['Email', 'Name', 'Role', 'State', 'Actions']}>
        {users.items.map((u) => (
          <tr key={u.id}>
            <td>{u.email}</td>
            <td>{u.name ?? '—'}</td>
            <td>{u.role}</td>
            <td>{u.disabled ? <span class="tag off">disabled</span> : 'active'}</td>
            <td class="actions">
              {u.id !== me?.id && (
                <>
                  <button
                    type="button"
                    class="secondary small"
                    aria-label={`${u.role === 'admin' ? 'Make user' : 'Make admin'} (${u.email})`}
                    onClick={() =>
                      void update(u.id, { role: u.role === 'admin' ? 'user' : 'admin' })
                    }
                  >
                    {u.role === 'admin' ? 'Make user' : 'Make admin'}
                  </button>
                  <button
                    type="button"
                    class="secondary small"
                    aria-label={`${u.disabled ? 'Enable' : 'Disable'} (${u.email})`}
                    onClick={() => void update(u.id, { disabled: !u.disabled })}
                  >
                    {u.disabled ? 'Enable' : 'Disable'}
                  </button>
                  <button
                    type="button"
                    class="secondary small"
                    aria-label={`Reset two-step sign-in (${u.email})`}
                    onClick={() =>
                      confirm(`Turn off two-step sign-in for ${u.email}?`) &&
                      void update(u.id, { resetMfa: true })
                    }
                  >
                    Reset two-step
                  </button>
                </>
              )}
            </td>
          </tr>
        ))}
      </ListTable>
      <MoreButton {...users} onMore={() => void users.more()} />
    </div>
  );
}

interface FlagBody {
  enabled: boolean;
  description?: string;
  rolloutPercent?: number;
  allowUsers?: string[];
  denyUsers?: string[];
}

function Flags() {
  const [error, setError] = useState<unknown>(null);
  const flags = useLoad(async () => (await api.GET('/api/v1/admin/flags')).data!.data, []);
  /** PUT replaces the whole flag: a change sends every field it keeps. Answers whether it saved. */
  const put = async (key: string, body: FlagBody): Promise<boolean> => {
    setError(null);
    try {
      await api.PUT('/api/v1/admin/flags/{key}', { params: { path: { key } }, body });
      await flags.reload();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const onCreate = (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    const description = field(form, 'description').trim();
    const key = field(form, 'key').trim();
    // Changing a flag that exists keeps its user lists.
    const existing = flags.data?.find((f) => f.key === key);
    void put(key, {
      enabled: form.get('enabled') === 'on',
      rolloutPercent: Number(field(form, 'rollout')),
      ...(description || existing?.description
        ? { description: description || existing!.description! }
        : {}),
      ...(existing ? { allowUsers: existing.allowUsers, denyUsers: existing.denyUsers } : {}),
    }).then((saved) => saved && formEl.reset());
  };
  return (
    <div>
      <h2>Feature flags</h2>
      <ErrorNote error={error ?? flags.error} />
      <ListTable columns={['Flag', 'Description', 'Rollout', 'On', 'Delete']}>
        {flags.data?.map((f) => (
          <tr key={f.key}>
            <td>
              <code>{f.key}</code>
            </td>
            <td>{f.description ?? ''}</td>
            <td>{f.rolloutPercent}%</td>
            <td>
              <input
                type="checkbox"
                aria-label={`${f.key} on`}
                checked={f.enabled}
                onChange={(e) =>
                  void put(f.key, {
                    enabled: e.currentTarget.checked,
                    rolloutPercent: f.rolloutPercent,
                    ...(f.description ? { description: f.description } : {}),
                    allowUsers: f.allowUsers,
                    denyUsers: f.denyUsers,
                  })
                }
              />
            </td>
            <td>
              <button
                type="button"
                class="danger small"
                onClick={() =>
                  confirm(`Delete the flag ${f.key}?`) &&
                  void api
                    .DELETE('/api/v1/admin/flags/{key}', { params: { path: { key: f.key } } })
                    .then(() => flags.reload(), setError)
                }
              >
                Delete {f.key}
              </button>
            </td>
          </tr>
        ))}
      </ListTable>
      <h3>Add or change a flag</h3>
      <form onSubmit={onCreate} aria-label="Add a flag">
        <Field label="Flag key" name="key" required pattern="[a-z0-9][a-z0-9._-]*" />
        <Field label="Flag description" name="description" maxLength={500} />
        <Field
          label="Rollout percent"
          name="rollout"
          type="number"
          min={0}
          max={100}
          defaultValue="100"
        />
        <div class="check">
          <input id="flag-enabled" type="checkbox" name="enabled" />
          <label for="flag-enabled">On</label>
        </div>
        <button type="submit">Save flag</button>
      </form>
    </div>
  );
}

function Audit() {
  const [type, setType] = useState('');
  const events = usePaged(
    async (cursor) => {
      const { data } = await api.GET('/api/v1/admin/audit', {
        params: { query: { limit: 50, ...(type ? { type } : {}), ...(cursor ? { cursor } : {}) } },
      });
      return data!;
    },
    [type],
  );
  return (
    <div>
      <h2>Audit log</h2>
      <form
        class="inline"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setType(field(new FormData(e.currentTarget), 'type').trim());
        }}
      >
        <Field label="Event type" name="type" placeholder="e.g. auth.login.failed" />
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={events.error} />
      <ListTable columns={['When', 'Event', 'Actor', 'Address', 'Target']}>
        {events.items.map((e) => (
          <tr key={e.id}>
            <td>
              <When at={e.at} />
            </td>
            <td>
              <code>{e.type}</code>
            </td>
            <td class="id">{e.actorId ?? '—'}</td>
            <td>{e.ip ?? '—'}</td>
            <td class="id">{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—'}</td>
          </tr>
        ))}
      </ListTable>
      <MoreButton {...events} onMore={() => void events.more()} />
    </div>
  );
}
