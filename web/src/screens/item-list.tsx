import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Item } from './specification';

/** Every row has this height, so the list only renders the rows in view (and a few more). */
const ROW = 44;
const OVERSCAN = 10;

/**
 * The items in document order, windowed: a specification of thousands of items renders the few
 * dozen rows in view. Arrow keys move between rows, Alt+arrows move the item itself, and rows
 * can be dragged to a new place.
 */
export function ItemList(props: {
  items: Item[];
  suspect: Set<string>;
  selected: string | null;
  canWrite: boolean;
  onSelect: (id: string) => void;
  onMove: (id: string, after: string | null) => void;
}) {
  const { items } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [focus, setFocus] = useState<number | null>(null);
  const [drop, setDrop] = useState<number | null>(null);
  const dragged = useRef<string | null>(null);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight || 600);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // After a key press, the row it went to is scrolled into view, rendered and focused.
  const pending = useRef(false);
  const focusRow = (index: number) => {
    pending.current = true;
    setFocus(index);
  };
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((top + height) / ROW) + OVERSCAN);
  useEffect(() => {
    const el = scroller.current;
    if (focus === null || !pending.current || !el) return;
    const rowTop = focus * ROW;
    if (rowTop < el.scrollTop) el.scrollTop = rowTop;
    else if (rowTop + ROW > el.scrollTop + el.clientHeight) {
      el.scrollTop = rowTop + ROW - el.clientHeight;
    }
    const row = el.querySelector<HTMLElement>(`[data-index="${focus}"]`);
    if (row) {
      row.focus();
      pending.current = false;
    }
  }, [focus, items, first]);

  // One row is in the Tab order (roving tabindex): the focused or selected one when it is
  // rendered, else the first in view. Arrow keys move between rows; Tab leaves the list.
  const selectedIndex = props.selected ? items.findIndex((i) => i.id === props.selected) : -1;
  const active = focus ?? (selectedIndex >= 0 ? selectedIndex : 0);
  const firstInView = Math.min(items.length - 1, Math.floor(top / ROW));
  const tabbable = active >= first && active < last ? active : firstInView;

  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const item = items[index];
    if (!item) return;
    const down = event.key === 'ArrowDown';
    const up = event.key === 'ArrowUp';
    if (!down && !up && event.key !== 'Home' && event.key !== 'End') return;
    event.preventDefault();
    if (event.altKey && props.canWrite && (up || down)) {
      if (up && index > 0) {
        props.onMove(item.id, items[index - 2]?.id ?? null);
        focusRow(index - 1);
      }
      if (down && index < items.length - 1) {
        props.onMove(item.id, items[index + 1]!.id);
        focusRow(index + 1);
      }
      return;
    }
    const to =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? items.length - 1
          : Math.min(items.length - 1, Math.max(0, index + (down ? 1 : -1)));
    focusRow(to);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    const id = dragged.current ?? event.dataTransfer?.getData('text/plain');
    const at = drop;
    setDrop(null);
    dragged.current = null;
    if (!id || at === null) return;
    const from = items.findIndex((i) => i.id === id);
    if (from < 0 || at === from || at === from + 1) return;
    // Dropped before row `at`: after the row above it, not counting the dragged row.
    const above = items.slice(0, at).filter((i) => i.id !== id);
    props.onMove(id, above[above.length - 1]?.id ?? null);
  };

  return (
    <div
      ref={scroller}
      class="item-scroller"
      onScroll={(e) => setTop(e.currentTarget.scrollTop)}
      onDragOver={(e) => e.preventDefault()}
      onDrop={onDrop}
    >
      <ol
        class="item-rows"
        aria-label="Items in document order"
        style={{ height: `${items.length * ROW}px` }}
      >
        {items.slice(first, last).map((item, offset) => {
          const index = first + offset;
          return (
            <li
              key={item.id}
              aria-setsize={items.length}
              aria-posinset={index + 1}
              class={`item-row${drop === index ? ' drop-before' : ''}${drop === index + 1 && index === items.length - 1 ? ' drop-after' : ''}`}
              style={{ transform: `translateY(${index * ROW}px)` }}
              draggable={props.canWrite}
              onDragStart={(e) => {
                dragged.current = item.id;
                e.dataTransfer?.setData('text/plain', item.id);
                if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
              }}
              onDragOver={(e) => {
                e.preventDefault();
                const box = e.currentTarget.getBoundingClientRect();
                setDrop(e.clientY < box.top + box.height / 2 ? index : index + 1);
              }}
              onDragEnd={() => setDrop(null)}
            >
              <button
                type="button"
                class="item-button"
                data-index={index}
                tabIndex={index === tabbable ? 0 : -1}
                aria-current={props.selected === item.id ? 'true' : undefined}
                aria-keyshortcuts={props.canWrite ? 'Alt+ArrowUp Alt+ArrowDown' : undefined}
                onClick={() => {
                  setFocus(index);
                  props.onSelect(item.id);
                }}
                onKeyDown={(e) => onKeyDown(e, index)}
              >
                <span class="key">{item.key}</span>
                <span class="title">{item.title}</span>
                {props.suspect.has(item.id) && <span class="tag warn">suspect</span>}
                <span class={`status status-${item.status}`}>{item.status.replace('_', ' ')}</span>
              </button>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
