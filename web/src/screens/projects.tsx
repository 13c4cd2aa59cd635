import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, describe } from '../api';
import { usePaged } from '../hooks';
import {
  Dialog,
  DialogActions,
  ErrorNote,
  Field,
  Loading,
  MoreButton,
  TextArea,
} from '../components/ui';
import { field } from '../form';

export function Projects() {
  const { route } = useLocation();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const projects = usePaged(async (cursor) => {
    const { data } = await api.GET('/api/v1/projects', {
      params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } },
    });
    return data!;
  }, []);
  const fields = describe(error).fields;

  const onCreate = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setError(null);
    try {
      const key = field(form, 'key').trim();
      const description = field(form, 'description').trim();
      const { data } = await api.POST('/api/v1/projects', {
        body: {
          name: field(form, 'name'),
          ...(key ? { key } : {}),
          ...(description ? { description } : {}),
        },
      });
      setCreating(false);
      route(`/projects/${data!.id}`);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section>
      <div class="heading">
        <h1 tabIndex={-1}>Projects</h1>
        <button type="button" onClick={() => setCreating(true)}>
          New project
        </button>
      </div>
      <ErrorNote error={projects.error} />
      {projects.loading && projects.items.length === 0 && <Loading />}
      {!projects.loading && projects.items.length === 0 && !projects.error && (
        <p class="empty">No projects yet. Start one with “New project”.</p>
      )}
      <ul class="cards">
        {projects.items.map((p) => (
          <li key={p.id}>
            <a href={`/projects/${p.id}`}>
              <strong>{p.name}</strong> <span class="tag">{p.key}</span>
            </a>
            <span class="muted">{p.role}</span>
            {p.description && <p>{p.description}</p>}
          </li>
        ))}
      </ul>
      <MoreButton {...projects} onMore={() => void projects.more()} />
      <Dialog title="New project" open={creating} onClose={() => setCreating(false)}>
        <form onSubmit={(e) => void onCreate(e)} aria-label="New project">
          <Field label="Name" name="name" required maxLength={200} error={fields.name} />
          <Field
            label="Key"
            name="key"
            pattern="[A-Z0-9]{2,10}"
            hint="2–10 capital letters or digits, e.g. AUTH; made from the name when empty"
            error={fields.key}
          />
          <TextArea label="Description" name="description" rows={3} />
          <ErrorNote error={error} />
          <DialogActions submit="Create project" onCancel={() => setCreating(false)} />
        </form>
      </Dialog>
    </section>
  );
}
