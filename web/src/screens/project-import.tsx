import { useState } from 'preact/hooks';
import type { Schemas } from '@gilla/client';
import { api } from '../api';
import { ErrorNote, Notice } from '../components/ui';
import type { Project } from './project';

const TYPES: Record<string, string> = {
  reqif: 'application/xml',
  xml: 'application/xml',
  json: 'application/json',
  csv: 'text/csv',
};

/** Upload a ReqIF, Gilla JSON or CSV file into the project, with the upload's progress. */
export function ImportFile({ project }: { project: Project }) {
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<Schemas['ImportResult'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (project.role === 'viewer') return <p>Viewers cannot import.</p>;

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const file = (new FormData(event.currentTarget as HTMLFormElement).get('file') as File) ?? null;
    if (!file?.name) return;
    const type = TYPES[file.name.split('.').pop()?.toLowerCase() ?? ''];
    setError(null);
    setResult(null);
    if (!type) {
      setError(new Error('Choose a .reqif, .xml, .json or .csv file.'));
      return;
    }
    setProgress(0);
    try {
      const { data } = await api.POST('/api/v1/projects/{projectId}/imports', {
        params: { path: { projectId: project.id } },
        body: file as never,
        bodySerializer: (body: unknown) => body as File,
        headers: { 'content-type': type },
      });
      setProgress(100);
      setResult(data!);
    } catch (e) {
      setError(e);
      setProgress(null);
    }
  };

  return (
    <div>
      <h2>Import</h2>
      <p>
        ReqIF from DOORS, Polarion or StrictDoc, a Gilla JSON export, or CSV with the columns key,
        title, body, status. Importing the same file again changes only what changed.
      </p>
      <form onSubmit={(e) => void onSubmit(e)} aria-label="Import a file">
        <div class="field">
          <label for="import-file">File</label>
          <input
            id="import-file"
            name="file"
            type="file"
            accept=".reqif,.xml,.json,.csv"
            required
          />
        </div>
        <button type="submit" disabled={progress !== null && progress < 100}>
          Import
        </button>
      </form>
      {progress !== null && (
        <progress aria-label="Import progress" max={100} value={progress < 100 ? undefined : 100} />
      )}
      <ErrorNote error={error} />
      {result && (
        <Notice>
          Imported: {result.created} created, {result.updated} updated, {result.unchanged}{' '}
          unchanged, {result.links} links.{' '}
          {result.specifications.map((s) => (
            <a key={s.id} href={`/specifications/${s.id}`}>
              {s.title}{' '}
            </a>
          ))}
        </Notice>
      )}
      {result && result.warnings.length > 0 && (
        <ul class="warnings">
          {result.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
