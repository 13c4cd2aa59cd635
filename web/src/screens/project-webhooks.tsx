import { useState } from 'preact/hooks';
import type { Schemas } from '@gilla/client';
import { api, describe } from '../api';
import { useAction, useLoad, usePaged } from '../hooks';
import {
  Copyable,
  ErrorNote,
  Field,
  ListTable,
  Loading,
  MoreButton,
  Notice,
  When,
} from '../components/ui';
import type { Project } from './project';
import { field } from '../form';

type Webhook = Schemas['Webhook'];

/** Owners register webhooks (the secret shown once), switch them, and see their deliveries. */
export function Webhooks({ project }: { project: Project }) {
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const projectId = project.id;
  const hooks = useLoad(async () => {
    const { data } = await api.GET('/api/v1/projects/{projectId}/webhooks', {
      params: { path: { projectId } },
    });
    return data!.data;
  }, [projectId]);

  const { error, act } = useAction(hooks.reload);
  const onRegister = (event: Event) => {
    event.preventDefault();
    const formEl = event.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    const events = field(form, 'events')
      .split(/[\s,]+/)
      .filter(Boolean);
    void act(async () => {
      const { data } = await api.POST('/api/v1/projects/{projectId}/webhooks', {
        params: { path: { projectId } },
        body: { url: field(form, 'url'), events },
      });
      setSecret(data!.secret);
      formEl.reset();
    });
  };
  const fields = describe(error).fields;

  return (
    <div>
      <h2>Webhooks</h2>
      <p>
        Gilla posts the project's events to these URLs, signed in the Standard Webhooks format, in
        order, retried for a day.
      </p>
      <ErrorNote error={error ?? hooks.error} />
      {secret && (
        <Notice>
          Registered. Keep the signing secret now: it is not shown again.
          <Copyable label="Signing secret" value={secret} />
        </Notice>
      )}
      {!hooks.data && <Loading />}
      {hooks.data?.length === 0 && <p class="empty">No webhooks.</p>}
      <ul class="cards">
        {hooks.data?.map((w) => (
          <li key={w.id}>
            <strong class="url">{w.url}</strong>{' '}
            <span class={w.active ? 'tag ok' : 'tag off'}>{w.active ? 'active' : 'off'}</span>
            <p class="muted">{w.events.join(', ')}</p>
            <div class="actions">
              <button
                type="button"
                class="secondary small"
                aria-label={`${w.active ? 'Switch off' : 'Switch on'} (${w.url})`}
                onClick={() =>
                  void act(() =>
                    api.PATCH('/api/v1/projects/{projectId}/webhooks/{webhookId}', {
                      params: { path: { projectId, webhookId: w.id } },
                      body: { active: !w.active },
                    }),
                  )
                }
              >
                {w.active ? 'Switch off' : 'Switch on'}
              </button>
              <button
                type="button"
                class="secondary small"
                aria-expanded={open === w.id}
                aria-label={`Deliveries (${w.url})`}
                onClick={() => setOpen(open === w.id ? null : w.id)}
              >
                Deliveries
              </button>
              <button
                type="button"
                class="danger small"
                aria-label={`Delete (${w.url})`}
                onClick={() =>
                  confirm(`Delete the webhook to ${w.url}?`) &&
                  void act(() =>
                    api.DELETE('/api/v1/projects/{projectId}/webhooks/{webhookId}', {
                      params: { path: { projectId, webhookId: w.id } },
                    }),
                  )
                }
              >
                Delete
              </button>
            </div>
            {open === w.id && <Deliveries projectId={projectId} webhook={w} />}
          </li>
        ))}
      </ul>
      <h3>Register a webhook</h3>
      <form onSubmit={onRegister} aria-label="Register a webhook">
        <Field
          label="Payload URL"
          name="url"
          type="url"
          required
          placeholder="https://example.com/hooks/gilla"
          error={fields.url}
        />
        <Field
          label="Events"
          name="events"
          defaultValue="*"
          required
          hint="Activity types or families, separated by commas: item.created, item.*, or * for all"
          error={fields.events}
        />
        <button type="submit">Register webhook</button>
      </form>
    </div>
  );
}

function Deliveries({ projectId, webhook }: { projectId: string; webhook: Webhook }) {
  const [error, setError] = useState<unknown>(null);
  const path = { projectId, webhookId: webhook.id };
  const deliveries = usePaged(
    async (cursor) => {
      const { data } = await api.GET(
        '/api/v1/projects/{projectId}/webhooks/{webhookId}/deliveries',
        {
          params: { path, query: { limit: 20, ...(cursor ? { cursor } : {}) } },
        },
      );
      return data!;
    },
    [webhook.id],
  );
  const retry = async (deliveryId: string) => {
    setError(null);
    try {
      await api.POST(
        '/api/v1/projects/{projectId}/webhooks/{webhookId}/deliveries/{deliveryId}/retry',
        { params: { path: { ...path, deliveryId } } },
      );
      await deliveries.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div>
      <ErrorNote error={error ?? deliveries.error} />
      <ListTable
        columns={['Event', 'Status', 'Attempts', 'Last attempt', 'Answer', 'Retry']}
        caption={`Deliveries to ${webhook.url}, newest first`}
      >
        {deliveries.items.map((d) => (
          <tr key={d.id}>
            <td>
              <code>{d.event}</code>
            </td>
            <td>{d.status}</td>
            <td>{d.attempts}</td>
            <td>
              <When at={d.lastAttemptAt} />
            </td>
            <td>{d.responseStatus ?? d.error ?? '—'}</td>
            <td>
              {d.status !== 'delivered' || d.attempts > 0 ? (
                <button
                  type="button"
                  class="secondary small"
                  aria-label={`Retry delivery of ${d.event} (${d.id})`}
                  onClick={() => void retry(d.id)}
                >
                  Retry
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </ListTable>
      {!deliveries.loading && deliveries.items.length === 0 && (
        <p class="empty">No deliveries yet.</p>
      )}
      <MoreButton {...deliveries} onMore={() => void deliveries.more()} />
    </div>
  );
}
