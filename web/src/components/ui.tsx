import type {
  ComponentChildren,
  InputHTMLAttributes,
  SelectHTMLAttributes,
  TextareaHTMLAttributes,
} from 'preact';
import { useEffect, useId, useLayoutEffect, useRef } from 'preact/hooks';
import { describe } from '../api';

export function Field(
  props: {
    label: string;
    error?: string | undefined;
    hint?: string;
  } & InputHTMLAttributes,
) {
  const { label, error, hint, ...input } = props;
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error || hint ? `${id}-note` : undefined}
        {...input}
      />
      {(error ?? hint) && (
        <small id={`${id}-note`} class={error ? 'field-error' : 'hint'}>
          {error ?? hint}
        </small>
      )}
    </div>
  );
}

export function TextArea(
  props: { label: string; error?: string | undefined } & TextareaHTMLAttributes,
) {
  const { label, error, ...area } = props;
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea id={id} aria-invalid={error ? 'true' : undefined} {...area} />
      {error && <small class="field-error">{error}</small>}
    </div>
  );
}

export function Select(
  props: {
    label: string;
    options: readonly (string | [string, string])[];
  } & SelectHTMLAttributes,
) {
  const { label, options, defaultValue, ...select } = props;
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} {...select}>
        {options.map((o) => {
          const [value, text] = typeof o === 'string' ? [o, o] : o;
          return (
            <option
              key={value}
              value={value}
              // The `selected` attribute (not the property), which a form's reset comes back to;
              // Preact's types do not list it.
              {...({ defaultSelected: value === defaultValue } as object)}
            >
              {text}
            </option>
          );
        })}
      </select>
    </div>
  );
}

/** An error said where it happened, in a live region that screen readers announce. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {describe(error).message}
    </p>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

/** A modal dialog (the platform's `<dialog>`: focus is trapped, Escape closes it). */
export function Dialog(props: {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  // Closed before it leaves the page, so that the browser gives the focus back to where it was.
  useLayoutEffect(
    () => () => {
      if (ref.current?.open) ref.current.close();
    },
    [],
  );
  return (
    <dialog ref={ref} aria-labelledby={id} onClose={props.onClose}>
      <h2 id={id}>{props.title}</h2>
      {props.open && props.children}
    </dialog>
  );
}

/**
 * A list as a table with column headings. On a narrow screen it scrolls sideways, so it can take
 * the focus (a keyboard user scrolls it with the arrow keys).
 */
export function ListTable(props: {
  columns: string[];
  caption?: string;
  children: ComponentChildren;
}) {
  return (
    <table class="list" tabIndex={0}>
      {props.caption && <caption>{props.caption}</caption>}
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

/** A dialog form's buttons: the one that submits it, and Cancel. */
export function DialogActions(props: { submit: string; onCancel: () => void }) {
  return (
    <div class="actions">
      <button type="submit">{props.submit}</button>
      <button type="button" class="secondary" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      {label}…
    </p>
  );
}

export function MoreButton(props: { hasMore: boolean; loading: boolean; onMore: () => void }) {
  if (!props.hasMore) return null;
  return (
    <button type="button" class="secondary" disabled={props.loading} onClick={props.onMore}>
      {props.loading ? 'Loading…' : 'Load more'}
    </button>
  );
}

export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span class="muted">never</span>;
  const date = new Date(at);
  return <time dateTime={at}>{date.toLocaleString()}</time>;
}

export function Copyable({ label, value }: { label: string; value: string }) {
  return (
    <div class="secret">
      <Field label={label} value={value} readOnly onFocus={(e) => e.currentTarget.select()} />
      <button
        type="button"
        class="secondary"
        onClick={() => void navigator.clipboard?.writeText(value)}
      >
        Copy {label.toLowerCase()}
      </button>
    </div>
  );
}
