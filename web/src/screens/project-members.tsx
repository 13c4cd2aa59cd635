import { api, describe } from '../api';
import { useAction, useLoad, useUser } from '../hooks';
import { ErrorNote, Field, ListTable, Loading, Select } from '../components/ui';
import type { Project } from './project';
import { field } from '../form';

const ROLES = ['viewer', 'editor', 'owner'] as const;
type Role = (typeof ROLES)[number];

export function Members({ project }: { project: Project }) {
  const me = useUser();
  const owner = project.role === 'owner';
  const members = useLoad(async () => {
    const { data } = await api.GET('/api/v1/projects/{projectId}/members', {
      params: { path: { projectId: project.id } },
    });
    return data!.data;
  }, [project.id]);
  const path = { projectId: project.id };

  const { error, act } = useAction(members.reload);
  const onAdd = (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    void act(async () => {
      await api.POST('/api/v1/projects/{projectId}/members', {
        params: { path },
        body: { email: field(form, 'email'), role: field(form, 'role') as Role },
      });
      formEl.reset();
    });
  };

  return (
    <div>
      <h2>Members</h2>
      <ErrorNote error={error ?? members.error} />
      {!members.data && <Loading />}
      <ListTable columns={['Name', 'Email', 'Role', ...(owner ? ['Remove'] : [])]}>
        {members.data?.map((m) => (
          <tr key={m.userId}>
            <td>{m.name ?? '—'}</td>
            <td>{m.email}</td>
            <td>
              {owner ? (
                <select
                  aria-label={`Role of ${m.email}`}
                  value={m.role}
                  onChange={(e) =>
                    void act(() =>
                      api.PATCH('/api/v1/projects/{projectId}/members/{userId}', {
                        params: { path: { ...path, userId: m.userId } },
                        body: { role: e.currentTarget.value as Role },
                      }),
                    )
                  }
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              ) : (
                m.role
              )}
            </td>
            {owner && (
              <td>
                <button
                  type="button"
                  class="danger small"
                  aria-label={m.userId === me?.id ? 'Leave the project' : `Remove ${m.email}`}
                  onClick={() =>
                    confirm(`Remove ${m.email} from ${project.name}?`) &&
                    void act(() =>
                      api.DELETE('/api/v1/projects/{projectId}/members/{userId}', {
                        params: { path: { ...path, userId: m.userId } },
                      }),
                    )
                  }
                >
                  {m.userId === me?.id ? 'Leave' : 'Remove'}
                </button>
              </td>
            )}
          </tr>
        ))}
      </ListTable>
      {owner && (
        <form class="inline" onSubmit={onAdd} aria-label="Add member">
          <Field
            label="Member's email"
            name="email"
            type="email"
            required
            error={describe(error).fields.email}
          />
          <Select label="Role" name="role" options={ROLES} defaultValue="editor" />
          <button type="submit">Add member</button>
        </form>
      )}
    </div>
  );
}
