import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const env = await setupTestEnv();
// Polling once an hour: only the wake-up after the commit can send in time.
const app = await env.app({ WEBHOOK_POLL_INTERVAL_MS: '3600000' });

test('a committed change is sent at once, without waiting for the next poll', async () => {
  const receiver = await startReceiver();
  const owner = await createUser(app);
  const project = await createProject(app, owner);
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${project.id}/webhooks`,
    headers: owner.auth,
    payload: { url: receiver.url, events: ['item.created'] },
  });
  assert.equal(res.statusCode, 201);
  const spec = await createSpecification(app, owner, project.id);
  for (let n = 1; n <= 3; n++) {
    await createItem(app, owner, spec.id, { title: `#${n}` });
    const got = await receiver.waitFor(n, 5000);
    assert.equal((got[n - 1]?.json.data.details as { title: string }).title, `#${n}`);
  }
});
