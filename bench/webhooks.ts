// The `webhooks` section. A service of its own, outside production (its receiver is on loopback,
// which production refuses), and a fast receiver in this process that answers 204.
// 1. POST item in a project with 5 webhooks subscribed against one with none (alternating
//    rounds): first with sending held back (the request only inserts the outbox rows), then
//    with the service sending them on the same cores meanwhile.
// 2. Throughput: 5,000 events queued behind a failed first delivery of one webhook, then released;
//    events per second until the receiver has them all (one webhook: strictly one at a time).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, pair, type Row } from './drive.js';

const json = { 'content-type': 'application/json' };

async function post(url: string, body: unknown, headers: Record<string, string>) {
  const res = await call(url, {
    method: 'POST',
    headers: { ...json, ...headers },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

/** A receiver that counts what it gets; `failing` answers 503 instead. */
async function startReceiver() {
  const state = { received: 0, failing: false };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (state.failing) {
        res.writeHead(503).end();
        return;
      }
      state.received++;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { state, url: `http://127.0.0.1:${port}/hooks`, close: () => server.close() };
}

export async function webhooks(
  base: string,
  auth: Record<string, string>,
  rows: Row[],
  notes: string[],
): Promise<void> {
  const receiver = await startReceiver();
  try {
    const project = async (key: string) => {
      const p = await post(`${base}/api/v1/projects`, { name: key, key }, auth);
      const s = await post(
        `${base}/api/v1/projects/${p.id as string}/specifications`,
        { title: 'Writes' },
        auth,
      );
      return { projectId: p.id as string, specId: s.id as string };
    };
    const none = await project('NOHOOKS');
    const five = await project('FIVEHOOKS');
    for (let i = 0; i < 5; i++) {
      await post(
        `${base}/api/v1/projects/${five.projectId}/webhooks`,
        { url: `${receiver.url}/${i}`, events: ['item.created'] },
        auth,
      );
    }
    const write = (specId: string) => ({
      url: `${base}/api/v1/specifications/${specId}/items`,
      method: 'POST' as const,
      headers: { ...auth, ...json },
      body: JSON.stringify({ title: 'Bench item', body: 'Written by the bench.' }),
      connections: 8,
    });
    // The request's own cost: the receiver refuses meanwhile, so the 5 webhooks sit in their
    // backoff and the service sends (almost) nothing while the writes are measured.
    receiver.state.failing = true;
    const [heldFive, heldNone] = await pair(
      ['POST item (5 webhooks, sending held back)', write(five.specId)],
      ['POST item (no webhooks)', write(none.specId)],
    );
    receiver.state.failing = false;
    await call(`${base}/api/v1/projects/${five.projectId}/webhooks`, { headers: auth });
    // And with the service sending five deliveries per write on the same cores meanwhile.
    const [withFive, withNone] = await pair(
      ['POST item (5 webhooks, sending meanwhile)', write(five.specId)],
      ['POST item (no webhooks)', write(none.specId)],
    );
    rows.push(heldFive, heldNone, withFive, withNone);
    notes.push(
      `item write 5 webhooks/none = ${(heldNone.rps / heldFive.rps).toFixed(2)}× the time, the request alone  (target <= 1.2)`,
      `item write 5 webhooks/none = ${(withNone.rps / withFive.rps).toFixed(2)}× the time, with the 5 deliveries per write sent on the same cores meanwhile`,
    );
    // Let the fan-out drain before the throughput run.
    for (let i = 0; i < 600; i++) {
      const text = await (await call(`${base}/metrics`)).text();
      if (/^gilla_webhook_queue_depth 0$/m.test(text)) break;
      await sleep(500);
    }

    // Throughput: a backlog behind one failed delivery, released at once.
    const queued = await project('THROUGHPUT');
    const hook = await post(
      `${base}/api/v1/projects/${queued.projectId}/webhooks`,
      { url: `${receiver.url}/throughput`, events: ['item.created'] },
      auth,
    );
    receiver.state.failing = true;
    const events = 5000;
    // Eight writers at once until the backlog holds `events` deliveries.
    let made = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (made < events) {
          made++;
          const { url, method, headers, body } = write(queued.specId);
          await call(url, { method, headers, body });
        }
      }),
    );
    const hookUrl = `${base}/api/v1/projects/${queued.projectId}/webhooks/${hook.id as string}`;
    const page = (await (
      await call(`${hookUrl}/deliveries?limit=1&status=pending`, { headers: auth })
    ).json()) as { data: { id: string }[] };
    let head = page.data[0]?.id;
    for (let cursor: string | null = null; ;) {
      const res = (await (
        await call(
          `${hookUrl}/deliveries?limit=100&status=pending${cursor ? `&cursor=${cursor}` : ''}`,
          { headers: auth },
        )
      ).json()) as { data: { id: string }[]; nextCursor: string | null };
      head = res.data.at(-1)?.id ?? head;
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    receiver.state.failing = false;
    const before = receiver.state.received;
    const t0 = performance.now();
    await call(`${hookUrl}/deliveries/${head!}/retry`, { method: 'POST', headers: auth });
    while (receiver.state.received - before < events) await sleep(5);
    const rate = events / ((performance.now() - t0) / 1000);
    notes.push(
      `webhook throughput (one webhook, in order) = ${rate.toFixed(0)} events/s  (target >= 500)`,
    );
  } finally {
    receiver.close();
  }
}
