import { useState } from 'preact/hooks';
import type { Schemas } from '@gilla/client';
import { api } from '../api';
import { usePaged } from '../hooks';
import { ErrorNote, Field, ListTable, MoreButton, When } from '../components/ui';
import type { Specification } from './specification';
import { field } from '../form';

type Diff = Schemas['Diff'];

/** Snapshots of the specification, taken by editors, and what changed since one of them. */
export function Baselines({ spec, canWrite }: { spec: Specification; canWrite: boolean }) {
  const [error, setError] = useState<unknown>(null);
  const [diff, setDiff] = useState<{ name: string; diff: Diff } | null>(null);
  const baselines = usePaged(
    async (cursor) => {
      const { data } = await api.GET('/api/v1/specifications/{specificationId}/baselines', {
        params: {
          path: { specificationId: spec.id },
          query: { limit: 20, ...(cursor ? { cursor } : {}) },
        },
      });
      return data!;
    },
    [spec.id],
  );
  const onCreate = async (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    setError(null);
    try {
      await api.POST('/api/v1/specifications/{specificationId}/baselines', {
        params: { path: { specificationId: spec.id } },
        body: { name: field(new FormData(formEl), 'name') },
      });
      formEl.reset();
      await baselines.reload();
    } catch (e) {
      setError(e);
    }
  };
  const compare = async (id: string, name: string) => {
    setError(null);
    try {
      const { data } = await api.GET('/api/v1/specifications/{specificationId}/diff', {
        params: { path: { specificationId: spec.id }, query: { from: id, to: 'head' } },
      });
      setDiff({ name, diff: data! });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <h2>Baselines</h2>
      <ErrorNote error={error ?? baselines.error} />
      {canWrite && (
        <form class="inline" onSubmit={(e) => void onCreate(e)} aria-label="Take a baseline">
          <Field label="Baseline name" name="name" required maxLength={200} />
          <button type="submit">Take baseline</button>
        </form>
      )}
      <ListTable columns={['Name', 'Items', 'Taken', 'Compare']}>
        {baselines.items.map((b) => (
          <tr key={b.id}>
            <td>{b.name}</td>
            <td>{b.itemCount}</td>
            <td>
              <When at={b.createdAt} />
            </td>
            <td>
              <button
                type="button"
                class="secondary small"
                onClick={() => void compare(b.id, b.name)}
              >
                Compare {b.name} with now
              </button>
            </td>
          </tr>
        ))}
      </ListTable>
      <MoreButton {...baselines} onMore={() => void baselines.more()} />
      {diff && (
        <section aria-label="Differences">
          <h3>Since {diff.name}</h3>
          <p>
            {diff.diff.summary.added} added, {diff.diff.summary.removed} removed,{' '}
            {diff.diff.summary.changed} changed, {diff.diff.summary.moved} moved.
          </p>
          <ul class="diff">
            {diff.diff.added.map((i) => (
              <li key={i.id} class="added">
                + {i.key} {i.title}
              </li>
            ))}
            {diff.diff.removed.map((i) => (
              <li key={i.id} class="removed">
                − {i.key} {i.title}
              </li>
            ))}
            {diff.diff.changed.map((c) => (
              <li key={c.id} class="changed">
                ~ {c.key}: {Object.keys(c.changes).join(', ')}
              </li>
            ))}
            {diff.diff.moved.map((i) => (
              <li key={i.id}>↕ {i.key} moved</li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
