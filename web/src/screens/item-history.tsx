import { api } from '../api';
import { usePaged } from '../hooks';
import { ErrorNote, Loading, MoreButton, When } from '../components/ui';
import type { Item } from './specification';

export function ItemHistory({ item }: { item: Item }) {
  const revisions = usePaged(
    async (cursor) => {
      const { data } = await api.GET('/api/v1/items/{itemId}/revisions', {
        params: { path: { itemId: item.id }, query: { limit: 20, ...(cursor ? { cursor } : {}) } },
      });
      return data!;
    },
    [item.id, item.version],
  );
  return (
    <section aria-label={`History of ${item.key}`}>
      <h3>History</h3>
      <ErrorNote error={revisions.error} />
      {revisions.loading && revisions.items.length === 0 && <Loading />}
      <ol class="feed">
        {revisions.items.map((r) => (
          <li key={`${r.version}-${r.changedAt}`}>
            <strong>v{r.version}</strong> {r.action} <When at={r.changedAt} />
            {r.changes && Object.keys(r.changes).length > 0 && (
              <ul>
                {Object.entries(
                  r.changes as Record<string, { before?: unknown; after?: unknown }>,
                ).map(([field, change]) => (
                  <li key={field}>
                    {field}: <del>{short(change?.before)}</del> → <ins>{short(change?.after)}</ins>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
      <MoreButton {...revisions} onMore={() => void revisions.more()} />
    </section>
  );
}

function short(value: unknown): string {
  if (value === null || value === undefined) return '—';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}
