import { api } from '../api';
import { usePaged } from '../hooks';
import { ErrorNote, Loading, MoreButton, When } from '../components/ui';
import type { Project } from './project';

/** The project's own events, newest first (who changed what). */
export function Activity({ project }: { project: Project }) {
  const events = usePaged(
    async (cursor) => {
      const { data } = await api.GET('/api/v1/projects/{projectId}/activity', {
        params: {
          path: { projectId: project.id },
          query: { limit: 50, ...(cursor ? { cursor } : {}) },
        },
      });
      return data!;
    },
    [project.id],
  );
  return (
    <div>
      <h2>Activity</h2>
      <ErrorNote error={events.error} />
      {events.loading && events.items.length === 0 && <Loading />}
      <ol class="feed">
        {events.items.map((e) => (
          <li key={e.id}>
            <When at={e.at} /> <code>{e.type}</code>{' '}
            <span>{summary(e.details as Record<string, unknown> | null)}</span>
          </li>
        ))}
      </ol>
      <MoreButton {...events} onMore={() => void events.more()} />
    </div>
  );
}

function summary(details: Record<string, unknown> | null): string {
  if (!details) return '';
  const parts = ['key', 'title', 'name', 'email', 'role']
    .filter((k) => typeof details[k] === 'string')
    .map((k) => String(details[k]));
  return parts.join(' · ');
}
