import { useState } from 'preact/hooks';
import { Dialog, Field } from '../components/ui';
import type { Item } from './specification';

export interface Draft {
  title: string;
  body: string;
  status: Item['status'];
}

/**
 * Someone saved the item after this draft was started (412). Shows their version beside this one
 * and lets the user merge the two into one text, save theirs over nothing (discard), or save this
 * draft over theirs. Every save is made against their version, so a third change still shows.
 */
export function ConflictDialog(props: {
  mine: Draft;
  theirs: Item;
  onOverwrite: (values: Draft) => void;
  onDiscard: () => void;
  onClose: () => void;
}) {
  const { mine, theirs } = props;
  const [merged, setMerged] = useState<Draft>({ ...mine });
  return (
    <Dialog title="This item was changed meanwhile" open onClose={props.onClose}>
      <p>
        Someone saved version {theirs.version} of {theirs.key} while you were editing. Compare, then
        merge or choose one.
      </p>
      <div class="compare">
        <section aria-labelledby="theirs-heading">
          <h3 id="theirs-heading">Their version</h3>
          <p>
            <strong>{theirs.title}</strong> · {theirs.status.replace('_', ' ')}
          </p>
          <pre class="body-text">{theirs.body}</pre>
        </section>
        <section aria-labelledby="mine-heading">
          <h3 id="mine-heading">Your version</h3>
          <p>
            <strong>{mine.title}</strong> · {mine.status.replace('_', ' ')}
          </p>
          <pre class="body-text">{mine.body}</pre>
        </section>
      </div>
      <form
        aria-label="Merge"
        onSubmit={(e) => {
          e.preventDefault();
          props.onOverwrite(merged);
        }}
      >
        <Field
          label="Merged title"
          value={merged.title}
          onInput={(e) => setMerged({ ...merged, title: e.currentTarget.value })}
        />
        <div class="field">
          <label for="merged-body">Merged body</label>
          <textarea
            id="merged-body"
            rows={8}
            value={merged.body}
            onInput={(e) => setMerged({ ...merged, body: e.currentTarget.value })}
          />
        </div>
        <div class="actions">
          <button type="submit">Save merged version</button>
          <button type="button" class="secondary" onClick={() => props.onOverwrite(mine)}>
            Overwrite with mine
          </button>
          <button type="button" class="secondary" onClick={props.onDiscard}>
            Keep theirs
          </button>
        </div>
      </form>
    </Dialog>
  );
}
