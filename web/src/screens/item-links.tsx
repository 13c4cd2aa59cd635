import { api, describe } from '../api';
import { useAction, useLoad, usePaged } from '../hooks';
import { ErrorNote, Field, MoreButton, Select } from '../components/ui';
import type { Item } from './specification';
import { field } from '../form';

/** The item's trace links both ways, suspect ones flagged and clearable, and a form to add one. */
export function ItemLinks(props: { item: Item; projectId: string; canWrite: boolean }) {
  const { item } = props;
  const types = useLoad(async () => {
    const { data } = await api.GET('/api/v1/projects/{projectId}/link-types', {
      params: { path: { projectId: props.projectId } },
    });
    return data!.data;
  }, [props.projectId]);
  const links = usePaged(
    async (cursor) => {
      const { data } = await api.GET('/api/v1/items/{itemId}/links', {
        params: {
          path: { itemId: item.id },
          query: { direction: 'both', limit: 50, ...(cursor ? { cursor } : {}) },
        },
      });
      return data!;
    },
    [item.id, item.version],
  );
  const nameOf = (key: string, outgoing: boolean) => {
    const type = types.data?.find((t) => t.key === key);
    return type ? (outgoing ? type.name : type.inverseName) : key;
  };
  const { error, act } = useAction(links.reload);
  const onAdd = (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    void act(async () => {
      const key = field(form, 'target').trim().toUpperCase();
      const { data: target } = await api.GET('/api/v1/projects/{projectId}/items/{key}', {
        params: { path: { projectId: props.projectId, key } },
      });
      await api.POST('/api/v1/items/{itemId}/links', {
        params: { path: { itemId: item.id } },
        body: { targetId: target!.id, type: field(form, 'type') },
      });
      formEl.reset();
    });
  };
  return (
    <section aria-label={`Links of ${item.key}`}>
      <h3>Links</h3>
      <ErrorNote error={error ?? links.error} />
      {!links.loading && links.items.length === 0 && <p class="empty">No links.</p>}
      <ul class="links">
        {links.items.map((l) => {
          const outgoing = l.source.id === item.id;
          const other = outgoing ? l.target : l.source;
          return (
            <li key={l.id}>
              {item.key} <em>{nameOf(l.type, outgoing)}</em> <strong>{other.key}</strong>{' '}
              {other.title}
              {l.suspect && <span class="tag warn">suspect</span>}
              {props.canWrite && l.suspect && (
                <button
                  type="button"
                  class="secondary small"
                  onClick={() =>
                    void act(() =>
                      api.POST('/api/v1/links/{linkId}/clear', {
                        params: { path: { linkId: l.id } },
                      }),
                    )
                  }
                >
                  Clear suspect {other.key}
                </button>
              )}
              {props.canWrite && (
                <button
                  type="button"
                  class="danger small"
                  onClick={() =>
                    void act(() =>
                      api.DELETE('/api/v1/links/{linkId}', { params: { path: { linkId: l.id } } }),
                    )
                  }
                >
                  Remove link to {other.key}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <MoreButton {...links} onMore={() => void links.more()} />
      {props.canWrite && types.data && (
        <form class="inline" onSubmit={onAdd} aria-label={`Link ${item.key}`}>
          <Select
            label="Link type"
            name="type"
            options={types.data.map((t) => [t.key, t.name] as [string, string])}
          />
          <Field
            label="Target item key"
            name="target"
            required
            placeholder="e.g. REQ-12"
            error={describe(error).fields.targetId}
          />
          <button type="submit">Add link</button>
        </form>
      )}
    </section>
  );
}
