import { useLocation, useRoute } from 'preact-iso';
import { useState } from 'preact/hooks';
import type { Schemas } from '@gilla/client';
import { api, describe } from '../api';
import { useLoad, usePaged } from '../hooks';
import {
  Dialog,
  DialogActions,
  ErrorNote,
  Field,
  ListTable,
  Loading,
  MoreButton,
  TextArea,
  When,
} from '../components/ui';
import { Activity } from './project-activity';
import { ImportFile } from './project-import';
import { Members } from './project-members';
import { ProjectSettings } from './project-settings';
import { Webhooks } from './project-webhooks';
import { field } from '../form';

export type Project = Schemas['Project'];

const TABS = [
  ['', 'Specifications'],
  ['members', 'Members'],
  ['activity', 'Activity'],
  ['import', 'Import'],
  ['webhooks', 'Webhooks'],
  ['settings', 'Settings'],
] as const;

export function Project() {
  const { params } = useRoute();
  const projectId = params.projectId!;
  const tab = params.tab ?? '';
  const project = useLoad(async () => {
    const { data } = await api.GET('/api/v1/projects/{projectId}', {
      params: { path: { projectId } },
    });
    return data!;
  }, [projectId]);
  if (project.error) {
    return (
      <section>
        <h1 tabIndex={-1}>Project</h1>
        <ErrorNote error={project.error} />
      </section>
    );
  }
  const p = project.data;
  if (!p) return <Loading />;
  const owner = p.role === 'owner';
  const tabs = TABS.filter(([t]) => owner || (t !== 'webhooks' && t !== 'settings'));
  return (
    <section>
      <p class="crumbs">
        <a href="/">Projects</a> / {p.key}
      </p>
      <h1 tabIndex={-1}>{p.name}</h1>
      {p.description && <p>{p.description}</p>}
      <nav class="tabs" aria-label="Project">
        {tabs.map(([t, label]) => (
          <a
            key={t}
            href={`/projects/${projectId}${t ? `/${t}` : ''}`}
            aria-current={tab === t ? 'page' : undefined}
          >
            {label}
          </a>
        ))}
      </nav>
      {tab === '' && <Specifications project={p} />}
      {tab === 'members' && <Members project={p} />}
      {tab === 'activity' && <Activity project={p} />}
      {tab === 'import' && <ImportFile project={p} />}
      {tab === 'webhooks' && owner && <Webhooks project={p} />}
      {tab === 'settings' && owner && <ProjectSettings project={p} onSaved={project.set} />}
    </section>
  );
}

function Specifications({ project }: { project: Project }) {
  const { route } = useLocation();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const specs = usePaged(
    async (cursor) => {
      const { data } = await api.GET('/api/v1/projects/{projectId}/specifications', {
        params: {
          path: { projectId: project.id },
          query: { limit: 50, ...(cursor ? { cursor } : {}) },
        },
      });
      return data!;
    },
    [project.id],
  );
  const canWrite = project.role !== 'viewer';
  const onCreate = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setError(null);
    try {
      const description = field(form, 'description').trim();
      const { data } = await api.POST('/api/v1/projects/{projectId}/specifications', {
        params: { path: { projectId: project.id } },
        body: { title: field(form, 'title'), ...(description ? { description } : {}) },
      });
      setCreating(false);
      route(`/specifications/${data!.id}`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <div class="heading">
        <h2>Specifications</h2>
        {canWrite && (
          <button type="button" onClick={() => setCreating(true)}>
            New specification
          </button>
        )}
      </div>
      <ErrorNote error={specs.error} />
      {specs.loading && specs.items.length === 0 && <Loading />}
      {!specs.loading && specs.items.length === 0 && <p class="empty">No specifications yet.</p>}
      <ListTable columns={['Title', 'Status', 'Updated']}>
        {specs.items.map((s) => (
          <tr key={s.id}>
            <td>
              <a href={`/specifications/${s.id}`}>{s.title}</a>
            </td>
            <td>
              <span class={`status status-${s.status}`}>{s.status.replace('_', ' ')}</span>
            </td>
            <td>
              <When at={s.updatedAt} />
            </td>
          </tr>
        ))}
      </ListTable>
      <MoreButton {...specs} onMore={() => void specs.more()} />
      <Dialog title="New specification" open={creating} onClose={() => setCreating(false)}>
        <form onSubmit={(e) => void onCreate(e)} aria-label="New specification">
          <Field label="Title" name="title" required error={describe(error).fields.title} />
          <TextArea label="Description" name="description" rows={3} />
          <ErrorNote error={error} />
          <DialogActions submit="Create specification" onCancel={() => setCreating(false)} />
        </form>
      </Dialog>
    </div>
  );
}
