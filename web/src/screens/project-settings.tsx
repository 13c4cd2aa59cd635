import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorNote, Field, Notice, TextArea } from '../components/ui';
import type { Project } from './project';
import { field } from '../form';

export function ProjectSettings(props: { project: Project; onSaved: (p: Project) => void }) {
  const { project } = props;
  const { route } = useLocation();
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const onSave = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setError(null);
    setSaved(false);
    try {
      const { data } = await api.PATCH('/api/v1/projects/{projectId}', {
        params: { path: { projectId: project.id } },
        body: { name: field(form, 'name'), description: field(form, 'description') },
      });
      props.onSaved(data!);
      setSaved(true);
    } catch (e) {
      setError(e);
    }
  };
  const onDelete = async () => {
    if (!confirm(`Delete ${project.name} with all its specifications? This cannot be undone.`)) {
      return;
    }
    try {
      await api.DELETE('/api/v1/projects/{projectId}', {
        params: { path: { projectId: project.id } },
      });
      route('/');
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <h2>Settings</h2>
      <form onSubmit={(e) => void onSave(e)} aria-label="Project settings">
        <Field label="Name" name="name" defaultValue={project.name} required />
        <TextArea
          label="Description"
          name="description"
          defaultValue={project.description ?? ''}
          rows={3}
        />
        <button type="submit">Save</button>
      </form>
      {saved && <Notice>Saved.</Notice>}
      <ErrorNote error={error} />
      <h3>Delete the project</h3>
      <button type="button" class="danger" onClick={() => void onDelete()}>
        Delete project
      </button>
    </div>
  );
}
