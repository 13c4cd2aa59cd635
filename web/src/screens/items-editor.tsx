import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorNote, Field } from '../components/ui';
import { ItemList } from './item-list';
import { ItemPanel } from './item-panel';
import type { Item, Specification } from './specification';
import { field } from '../form';

/**
 * The specification's items in document order (all pages, read 100 at a time with a progress
 * count), a panel for the selected one, inline creation and reordering by drag and drop or the
 * keyboard.
 */
export function ItemsEditor(props: { spec: Specification; projectId: string; canWrite: boolean }) {
  const { spec } = props;
  const [items, setItems] = useState<Item[]>([]);
  const [loaded, setLoaded] = useState<{ done: boolean; count: number; failed?: boolean }>({
    done: false,
    count: 0,
  });
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [announce, setAnnounce] = useState('');
  const generation = useRef(0);

  const loadAll = async () => {
    const mine = ++generation.current;
    const all: Item[] = [];
    let cursor: string | undefined;
    setLoaded({ done: false, count: 0 });
    try {
      do {
        const { data } = await api.GET('/api/v1/specifications/{specificationId}/items', {
          params: {
            path: { specificationId: spec.id },
            query: { limit: 100, ...(cursor ? { cursor } : {}) },
          },
        });
        if (mine !== generation.current) return;
        all.push(...data!.data);
        cursor = data!.nextCursor ?? undefined;
        setLoaded({ done: !cursor, count: all.length });
        if (all.length <= 100 || !cursor) setItems([...all]);
      } while (cursor);
      setItems(all);
    } catch (e) {
      if (mine !== generation.current) return;
      // What was read is shown, read-only: changes need the whole list.
      setItems([...all]);
      setError(e);
      setLoaded({ done: true, count: all.length, failed: true });
    }
  };
  useEffect(() => {
    void loadAll();
  }, [spec.id]);

  // Items at either end of a suspect link (a target changed since the link was made or cleared).
  const [suspect, setSuspect] = useState<Set<string>>(new Set());
  const loadSuspects = async () => {
    const ids = new Set<string>();
    let cursor: string | undefined;
    try {
      do {
        const { data } = await api.GET('/api/v1/projects/{projectId}/suspect-links', {
          params: {
            path: { projectId: props.projectId },
            query: { limit: 100, ...(cursor ? { cursor } : {}) },
          },
        });
        for (const link of data!.data) ids.add(link.source.id).add(link.target.id);
        cursor = data!.nextCursor ?? undefined;
      } while (cursor);
      setSuspect(ids);
    } catch {
      // the flags are a hint; the links panel shows the truth
    }
  };
  useEffect(() => {
    void loadSuspects();
  }, [props.projectId]);

  const replace = (item: Item) => {
    setItems((list) => list.map((i) => (i.id === item.id ? item : i)));
    void loadSuspects();
  };

  /**
   * Moves an item to just after `after` (null: to the top): here at once, then on the server.
   * Moves go to the server one after another, in the order they were made; if one fails, the
   * list is read again from the server, which has the truth.
   */
  const moves = useRef<Promise<void>>(Promise.resolve());
  // Moves queued behind a failed one were worked out on an order that is gone: they are dropped.
  const moveEpoch = useRef(0);
  const move = (id: string, after: string | null) => {
    const epoch = moveEpoch.current;
    let position = 0;
    setItems((list) => {
      const moving = list.find((i) => i.id === id);
      if (!moving) return list;
      const rest = list.filter((i) => i.id !== id);
      const at = after === null ? 0 : rest.findIndex((i) => i.id === after) + 1;
      position = at + 1;
      return [...rest.slice(0, at), moving, ...rest.slice(at)];
    });
    setError(null);
    moves.current = moves.current.then(async () => {
      if (epoch !== moveEpoch.current) return;
      try {
        const { data } = await api.POST('/api/v1/items/{itemId}/move', {
          params: { path: { itemId: id } },
          body: { after },
        });
        setItems((list) => list.map((i) => (i.id === data!.id ? data! : i)));
        setAnnounce(`${data!.key} moved to position ${position}`);
      } catch (e) {
        moveEpoch.current += 1;
        setError(e);
        await loadAll();
      }
    });
  };

  const onAdd = async (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    const title = field(new FormData(formEl), 'title').trim();
    if (!title) return;
    // The new item opens in the panel: the open one's unsaved changes would go.
    if (dirty.current && !confirm(`Drop your unsaved changes to ${current?.key ?? 'the item'}?`)) {
      return;
    }
    setError(null);
    try {
      const { data } = await api.POST('/api/v1/specifications/{specificationId}/items', {
        params: { path: { specificationId: spec.id } },
        body: { title, ...(selected ? { after: selected } : {}) },
      });
      const item = data!;
      setItems((list) => {
        const at = selected ? list.findIndex((i) => i.id === selected) + 1 : list.length;
        return at > 0 ? [...list.slice(0, at), item, ...list.slice(at)] : [...list, item];
      });
      setSelected(item.id);
      setAnnounce(`${item.key} created`);
      formEl.reset();
    } catch (e) {
      setError(e);
    }
  };

  // Changes wait until every page is read: the last page read would undo them on screen.
  const canWrite = props.canWrite && loaded.done && !loaded.failed;
  const current = items.find((i) => i.id === selected) ?? null;
  // Switching to another item, or closing this one, asks before dropping unsaved changes.
  const dirty = useRef(false);
  const select = (id: string | null) => {
    if (id === selected) return;
    if (dirty.current && !confirm(`Drop your unsaved changes to ${current?.key ?? 'the item'}?`)) {
      return;
    }
    setSelected(id);
  };
  return (
    <div class="editor">
      <div class="editor-list">
        <div class="heading">
          <h2>
            Items <span class="muted">({items.length})</span>
          </h2>
          {canWrite && (
            <button type="button" onClick={() => setAdding(true)}>
              New item
            </button>
          )}
        </div>
        {!loaded.done && (
          <p role="status" class="muted">
            Loading items… {loaded.count}
          </p>
        )}
        <ErrorNote error={error} />
        {adding && canWrite && (
          <form class="inline" onSubmit={(e) => void onAdd(e)} aria-label="New item">
            <Field
              label="Title of the new item"
              name="title"
              required
              maxLength={500}
              autoFocus
              hint={current ? `Placed after ${current.key}` : 'Placed at the end'}
            />
            <button type="submit">Add item</button>
            <button type="button" class="secondary" onClick={() => setAdding(false)}>
              Done
            </button>
          </form>
        )}
        {loaded.done && !loaded.failed && items.length === 0 && <p class="empty">No items yet.</p>}
        <ItemList
          items={items}
          suspect={suspect}
          selected={selected}
          canWrite={canWrite}
          onSelect={select}
          onMove={move}
        />
        <p class="sr-only" role="status" aria-live="polite">
          {announce}
        </p>
      </div>
      {current && (
        <ItemPanel
          key={current.id}
          item={current}
          projectId={props.projectId}
          canWrite={canWrite}
          position={items.indexOf(current)}
          count={items.length}
          onChange={replace}
          onMove={(after) => move(current.id, after)}
          before={items[items.indexOf(current) - 2]?.id ?? null}
          next={items[items.indexOf(current) + 1]?.id ?? null}
          onDeleted={() => {
            setItems((list) => list.filter((i) => i.id !== current.id));
            setSelected(null);
          }}
          onClose={() => select(null)}
          dirtyRef={dirty}
        />
      )}
    </div>
  );
}
