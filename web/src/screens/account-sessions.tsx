import { useState } from 'preact/hooks';
import { api, signOut } from '../api';
import { useLoad } from '../hooks';
import { ErrorNote, ListTable, Loading, When } from '../components/ui';

export function Sessions() {
  const [error, setError] = useState<unknown>(null);
  const sessions = useLoad(async () => (await api.GET('/api/v1/auth/sessions')).data!.data, []);
  const end = async (id: string) => {
    setError(null);
    try {
      await api.DELETE('/api/v1/auth/sessions/{id}', { params: { path: { id } } });
      await sessions.reload();
    } catch (e) {
      setError(e);
    }
  };
  // Signs out everywhere: this browser forgets its session only once the service ended them all.
  const everywhere = async () => {
    if (!confirm('End every session, this one too?')) return;
    setError(null);
    try {
      await api.POST('/api/v1/auth/logout-all');
    } catch (e) {
      setError(e);
      return;
    }
    await signOut();
  };
  return (
    <div>
      <h2>Sessions</h2>
      <ErrorNote error={error ?? sessions.error} />
      {!sessions.data && <Loading />}
      <ListTable columns={['Device', 'Address', 'Started', 'Last used', 'End']}>
        {sessions.data?.map((s) => (
          <tr key={s.id}>
            <td>
              {s.userAgent ?? 'unknown'} {s.current && <span class="tag ok">this one</span>}
            </td>
            <td>{s.ip ?? '—'}</td>
            <td>
              <When at={s.createdAt} />
            </td>
            <td>
              <When at={s.lastUsedAt} />
            </td>
            <td>
              {!s.current && (
                <button
                  type="button"
                  class="secondary small"
                  aria-label={`End the session started ${new Date(s.createdAt).toLocaleString()}`}
                  onClick={() => void end(s.id)}
                >
                  End
                </button>
              )}
            </td>
          </tr>
        ))}
      </ListTable>
      <button type="button" class="danger" onClick={() => void everywhere()}>
        End all sessions
      </button>
    </div>
  );
}
