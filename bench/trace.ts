// The `trace` section: coverage, impact and link pages on a project of 10,000 items and 20,050
// links, and what links add to writes (an edit that marks links suspect, creating a link). All
// at one connection: the targets are the cost of one request.
import type autocannon from 'autocannon';
import { call, drive, pair, quantile, type Row } from './drive.js';
import type { SeedIds } from './seed.js';
import { coldItemId, hotItemId, traceItemId, TRACE_ITEMS_PER_SPEC } from './trace-seed.js';

const one = { connections: 1 };

/** Milliseconds one request takes, from sending to the whole body. */
async function timed(url: string, init: RequestInit): Promise<number> {
  const t0 = process.hrtime.bigint();
  await (await call(url, init)).arrayBuffer();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/**
 * An edit of the hot requirement (its ~55 incoming links all become suspect) against an edit of a
 * note nothing links to, in turns; before each turn the hot item's links are cleared again, so
 * that every measured edit marks them all.
 */
async function edits(api: string, auth: Record<string, string>, ids: SeedIds, turns: number) {
  const json = { ...auth, 'content-type': 'application/json' };
  const incoming = (await (
    await call(`${api}/items/${hotItemId(ids)}/links?direction=incoming&limit=100`, {
      headers: auth,
    })
  ).json()) as { data: { id: string }[] };
  const hot: number[] = [];
  const cold: number[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const ids_ = incoming.data.map((l) => l.id);
    for (let i = 0; i < ids_.length; i += 10) {
      await Promise.all(
        ids_
          .slice(i, i + 10)
          .map((id) => call(`${api}/links/${id}/clear`, { method: 'POST', headers: auth })),
      );
    }
    const patch = (itemId: string) =>
      timed(`${api}/items/${itemId}`, {
        method: 'PATCH',
        headers: json,
        body: JSON.stringify({ title: `Edited ${turn}` }),
      });
    hot.push(await patch(hotItemId(ids)));
    cold.push(await patch(coldItemId(ids)));
  }
  return { hot: median(hot), cold: median(cold), links: incoming.data.length };
}

export async function trace(
  base: string,
  auth: Record<string, string>,
  ids: SeedIds,
  rows: Row[],
  notes: string[],
): Promise<void> {
  const api = `${base}/api/v1`;
  const backend = process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'embedded';
  const req = ids.traceSpecIds[0]!;
  const [coverage, impact] = await pair(
    [
      `GET coverage, 2k-item spec (${backend})`,
      { ...one, url: `${api}/specifications/${req}/coverage`, headers: auth },
    ],
    [
      `GET impact depth 3 (${backend})`,
      { ...one, url: `${api}/items/${traceItemId(ids, 0, 10)}/impact?depth=3`, headers: auth },
    ],
  );
  const [linksPage, itemsPage] = await pair(
    [
      `GET links page of an item (${backend})`,
      { ...one, url: `${api}/items/${hotItemId(ids)}/links`, headers: auth },
    ],
    [
      `GET items page, 2k spec (${backend})`,
      { ...one, url: `${api}/specifications/${req}/items`, headers: auth },
    ],
  );
  const sizeOf = async (url: string) =>
    ((await (await call(url, { headers: auth })).json()) as { data: unknown[] }).data.length;
  const impactSize = await sizeOf(`${api}/items/${traceItemId(ids, 0, 10)}/impact?depth=3`);

  // Creates: each link is new (a note refines a design: no such links yet), each item too.
  const json = { ...auth, 'content-type': 'application/json' };
  let n = 0;
  const newLink: autocannon.Request = {
    method: 'POST',
    headers: json,
    setupRequest: (r) => {
      const i = n++;
      const source = traceItemId(ids, 4, i % TRACE_ITEMS_PER_SPEC);
      const target = traceItemId(ids, 1, Math.floor(i / TRACE_ITEMS_PER_SPEC));
      return {
        ...r,
        path: `/api/v1/items/${source}/links`,
        body: JSON.stringify({ targetId: target, type: 'refines' }),
      };
    },
  };
  const newItem: autocannon.Request = {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ title: 'A new requirement', body: 'Shall be benchmarked.' }),
  };
  const [createLink, createItem] = await pair(
    [`POST link (${backend})`, { ...one, url: `${api}/items`, requests: [newLink] }],
    [
      `POST item (${backend})`,
      { ...one, url: `${api}/specifications/${ids.traceSpecIds[2]!}/items`, requests: [newItem] },
    ],
  );
  await drive('warm-up: PATCH', {
    ...one,
    duration: 2,
    url: `${api}/items/${coldItemId(ids)}`,
    method: 'PATCH',
    headers: json,
    body: JSON.stringify({ body: 'warm' }),
  });
  const edit = await edits(api, auth, ids, 100);

  rows.push(coverage, impact, linksPage, itemsPage, createLink, createItem);
  const ratio = (a: number, b: number) => (a / Math.max(b, 0.01)).toFixed(2);
  notes.push(
    `trace (${backend}): coverage p50 ${coverage.p50.toFixed(2)} ms (target <= 100 on PostgreSQL)`,
  );
  notes.push(
    `trace (${backend}): impact depth 3 (${impactSize} items) p50 ${impact.p50.toFixed(2)} ms (target <= 30)`,
  );
  notes.push(
    `trace (${backend}): links page p50 ${linksPage.p50.toFixed(2)} ms vs items page ${itemsPage.p50.toFixed(2)} ms = ${ratio(linksPage.p50, itemsPage.p50)} (target <= 1)`,
  );
  notes.push(
    `trace (${backend}): edit marking ${edit.links} links suspect p50 ${edit.hot.toFixed(2)} ms vs an edit of an item without links ${edit.cold.toFixed(2)} ms = ${ratio(edit.hot, edit.cold)} (target <= 1.5)`,
  );
  notes.push(
    `trace (${backend}): create link p50 ${createLink.p50.toFixed(2)} ms vs create item ${createItem.p50.toFixed(2)} ms = ${ratio(createLink.p50, createItem.p50)} (target <= 1.5)`,
  );
}
