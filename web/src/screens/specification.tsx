import { useRoute } from 'preact-iso';
import { useState } from 'preact/hooks';
import type { Schemas } from '@gilla/client';
import { api } from '../api';
import { useLoad } from '../hooks';
import { ErrorNote, Loading } from '../components/ui';
import { Baselines } from './baselines';
import { Coverage } from './coverage';
import { ItemsEditor } from './items-editor';

export type Specification = Schemas['Specification'];
export type Item = Schemas['Item'];

const TABS = [
  ['items', 'Items'],
  ['baselines', 'Baselines'],
  ['coverage', 'Coverage'],
] as const;

export function Specification() {
  const { params } = useRoute();
  const specificationId = params.specificationId!;
  const [tab, setTab] = useState<(typeof TABS)[number][0]>('items');
  const loaded = useLoad(async () => {
    const { data: spec } = await api.GET('/api/v1/specifications/{specificationId}', {
      params: { path: { specificationId } },
    });
    const { data: project } = await api.GET('/api/v1/projects/{projectId}', {
      params: { path: { projectId: spec!.projectId } },
    });
    return { spec: spec!, project: project! };
  }, [specificationId]);
  if (loaded.error) return <ErrorNote error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  const { spec, project } = loaded.data;
  const canWrite = project.role !== 'viewer';
  return (
    <section>
      <p class="crumbs">
        <a href="/">Projects</a> / <a href={`/projects/${project.id}`}>{project.name}</a> /
      </p>
      <h1 tabIndex={-1}>{spec.title}</h1>
      <div role="tablist" aria-label="Specification" class="tabs">
        {TABS.map(([t, label]) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            onClick={() => setTab(t)}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'items' && <ItemsEditor spec={spec} projectId={project.id} canWrite={canWrite} />}
        {tab === 'baselines' && <Baselines spec={spec} canWrite={canWrite} />}
        {tab === 'coverage' && <Coverage spec={spec} />}
      </div>
    </section>
  );
}
