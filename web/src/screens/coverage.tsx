import { useState } from 'preact/hooks';
import { api } from '../api';
import { useLoad } from '../hooks';
import { ErrorNote, Loading, Select } from '../components/ui';
import type { Specification } from './specification';

/** How many items have a link of a type (e.g. are verified by a test), and which do not. */
export function Coverage({ spec }: { spec: Specification }) {
  const [type, setType] = useState('verifies');
  const [direction, setDirection] = useState<'incoming' | 'outgoing'>('incoming');
  const coverage = useLoad(async () => {
    const { data } = await api.GET('/api/v1/specifications/{specificationId}/coverage', {
      params: { path: { specificationId: spec.id }, query: { type, direction } },
    });
    return data!;
  }, [spec.id, type, direction]);
  const c = coverage.data;
  return (
    <div>
      <h2>Coverage</h2>
      <div class="inline">
        <Select
          label="Link type"
          options={['verifies', 'implements', 'refines', 'depends_on', 'relates_to', 'parent']}
          value={type}
          onChange={(e) => setType(e.currentTarget.value)}
        />
        <Select
          label="Direction"
          options={[
            ['incoming', 'Items that others link to'],
            ['outgoing', 'Items that link to others'],
          ]}
          value={direction}
          onChange={(e) => setDirection(e.currentTarget.value as 'incoming' | 'outgoing')}
        />
      </div>
      <ErrorNote error={coverage.error} />
      {!c && <Loading />}
      {c && (
        <>
          <p>
            <strong>{c.percent}%</strong> covered: {c.covered} of {c.total} items.
          </p>
          <meter aria-label="Coverage" min={0} max={100} value={c.percent} />
          {c.uncovered.length > 0 && (
            <>
              <h3>Not covered</h3>
              <ul>
                {c.uncovered.map((i) => (
                  <li key={i.id}>
                    {i.key} {i.title}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </div>
  );
}
