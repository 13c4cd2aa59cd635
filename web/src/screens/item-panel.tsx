import { useEffect, useState } from 'preact/hooks';
import { api, GillaError } from '../api';
import { ErrorNote, Field, Notice, Select } from '../components/ui';
import { Markdown } from '../components/markdown';
import { ConflictDialog, type Draft } from './conflict-dialog';
import { ItemApprovals } from './item-approvals';
import { ItemHistory } from './item-history';
import { ItemLinks } from './item-links';
import type { Item } from './specification';

type Section = 'history' | 'links' | 'approvals';

export const ITEM_STATUSES = ['draft', 'in_review', 'approved', 'obsolete'] as const;

/** The selected item: edit with a Markdown preview, move, delete, and its history, links, approvals. */
export function ItemPanel(props: {
  item: Item;
  projectId: string;
  canWrite: boolean;
  position: number;
  count: number;
  before: string | null;
  next: string | null;
  onChange: (item: Item) => void;
  onMove: (after: string | null) => void;
  onDeleted: () => void;
  onClose: () => void;
  /** Set while the draft has unsaved changes (the editor asks before dropping them). */
  dirtyRef: { current: boolean };
}) {
  const { item, canWrite } = props;
  const [draft, setDraft] = useState<Draft>({
    title: item.title,
    body: item.body,
    status: item.status,
  });
  // The version the draft was started from: saving sends it as If-Match.
  const [base, setBase] = useState(item.version);
  // A move (or anything else that changes the version but not the text) moves the base along:
  // the draft was not made against an older text, so saving it is no conflict.
  const [text, setText] = useState<Draft>(draft);
  useEffect(() => {
    if (item.title === text.title && item.body === text.body && item.status === text.status) {
      setBase(item.version);
    }
  }, [item.version]);
  const [preview, setPreview] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [conflict, setConflict] = useState<Item | null>(null);
  const [open, setOpen] = useState<Record<Section, boolean>>({
    history: false,
    links: false,
    approvals: false,
  });
  const dirty =
    draft.title !== item.title || draft.body !== item.body || draft.status !== item.status;
  props.dirtyRef.current = dirty;
  useEffect(
    () => () => {
      props.dirtyRef.current = false;
    },
    [],
  );

  const save = async (values: Draft, version: number) => {
    setError(null);
    setSaved(false);
    try {
      const { data } = await api.PATCH('/api/v1/items/{itemId}', {
        params: { path: { itemId: item.id }, header: { 'If-Match': `"${version}"` } },
        body: values,
      });
      props.onChange(data!);
      const now = { title: data!.title, body: data!.body, status: data!.status };
      setDraft(now);
      setText(now);
      setBase(data!.version);
      setConflict(null);
      setSaved(true);
    } catch (e) {
      if (e instanceof GillaError && e.code === 'precondition_failed') {
        // Someone saved first: show their version beside this one.
        try {
          const { data } = await api.GET('/api/v1/items/{itemId}', {
            params: { path: { itemId: item.id } },
          });
          const now = data!;
          if (now.title === text.title && now.body === text.body && now.status === text.status) {
            // Only its place changed (this user's own move, still on its way): no conflict.
            setBase(now.version);
            await save(values, now.version);
          } else {
            setConflict(now);
          }
        } catch (gone) {
          setError(gone);
        }
      } else {
        setError(e);
      }
    }
  };

  const onDelete = async () => {
    if (!confirm(`Delete ${item.key}? Its links go with it.`)) return;
    try {
      await api.DELETE('/api/v1/items/{itemId}', {
        params: { path: { itemId: item.id }, header: { 'If-Match': `"${base}"` } },
      });
      props.onDeleted();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <aside class="item-panel" aria-labelledby="item-heading">
      <div class="heading">
        <h2 id="item-heading">
          {item.key} <span class="muted">v{item.version}</span>
        </h2>
        <button type="button" class="secondary small" onClick={props.onClose}>
          Close item
        </button>
      </div>
      <form
        aria-label={`Edit ${item.key}`}
        onSubmit={(e) => {
          e.preventDefault();
          void save(draft, base);
        }}
      >
        <Field
          label="Title"
          value={draft.title}
          readOnly={!canWrite}
          required
          maxLength={500}
          onInput={(e) => setDraft({ ...draft, title: e.currentTarget.value })}
        />
        <Select
          label="Status"
          options={ITEM_STATUSES.map((s) => [s, s.replace('_', ' ')] as [string, string])}
          value={draft.status}
          disabled={!canWrite}
          onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value as Draft['status'] })}
        />
        <div class="field">
          <div class="body-tabs" role="group" aria-label="Body view">
            <button
              type="button"
              class="secondary small"
              aria-pressed={!preview}
              onClick={() => setPreview(false)}
            >
              Write
            </button>
            <button
              type="button"
              class="secondary small"
              aria-pressed={preview}
              onClick={() => setPreview(true)}
            >
              Preview
            </button>
          </div>
          {preview ? (
            <div class="preview" aria-label="Body preview" role="region">
              <Markdown source={draft.body} />
            </div>
          ) : (
            <>
              <label for="item-body">Body (Markdown)</label>
              <textarea
                id="item-body"
                rows={10}
                value={draft.body}
                readOnly={!canWrite}
                onInput={(e) => setDraft({ ...draft, body: e.currentTarget.value })}
              />
            </>
          )}
        </div>
        <ErrorNote error={error} />
        {saved && !dirty && <Notice>Saved as version {item.version}.</Notice>}
        {canWrite && (
          <div class="actions">
            <button type="submit" disabled={!dirty}>
              Save
            </button>
            <button
              type="button"
              class="secondary"
              disabled={props.position <= 0}
              onClick={() => props.onMove(props.position <= 1 ? null : props.before)}
            >
              Move up
            </button>
            <button
              type="button"
              class="secondary"
              disabled={props.next === null}
              onClick={() => props.onMove(props.next)}
            >
              Move down
            </button>
            <button type="button" class="danger" onClick={() => void onDelete()}>
              Delete item
            </button>
          </div>
        )}
      </form>
      <nav class="tabs" aria-label={`More about ${item.key}`}>
        {(['history', 'links', 'approvals'] as const).map((s) => (
          <button
            key={s}
            type="button"
            class="link"
            aria-expanded={open[s]}
            onClick={() => setOpen({ ...open, [s]: !open[s] })}
          >
            {s[0]!.toUpperCase() + s.slice(1)}
          </button>
        ))}
      </nav>
      {open.history && <ItemHistory item={item} />}
      {open.links && <ItemLinks item={item} projectId={props.projectId} canWrite={canWrite} />}
      {open.approvals && <ItemApprovals item={item} canWrite={canWrite} />}
      {conflict && (
        <ConflictDialog
          mine={draft}
          theirs={conflict}
          onOverwrite={(values) => void save(values, conflict.version)}
          onDiscard={() => {
            const theirs = { title: conflict.title, body: conflict.body, status: conflict.status };
            props.onChange(conflict);
            setDraft(theirs);
            setText(theirs);
            setBase(conflict.version);
            setConflict(null);
          }}
          onClose={() => setConflict(null)}
        />
      )}
    </aside>
  );
}
