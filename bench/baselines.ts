// The `baselines` section: taking a baseline of a 10,000-item specification (with 9,999 links),
// and its diff against head after 100 edits and 10 moves; the service's resident memory sampled
// throughout, its growth over the start reported.
import { call, peakDuring, rssMiB, times, timedRow, type Row } from './drive.js';
import { baselineItemId } from './baseline-seed.js';
import type { SeedIds } from './seed.js';

export async function baselines(
  base: string,
  auth: Record<string, string>,
  ids: SeedIds,
  rows: Row[],
  notes: string[],
): Promise<void> {
  const api = `${base}/api/v1`;
  const backend = process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'embedded';
  const json = { ...auth, 'content-type': 'application/json' };
  const spec = ids.baselineSpecId;
  const start = await rssMiB(base);
  let n = 0;
  const take = () =>
    call(`${api}/specifications/${spec}/baselines`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: `bench ${n++}` }),
    });
  const [taken, takePeak] = await peakDuring(base, () => times(5, take));
  const first = taken.last as { id: string; itemCount: number };

  for (let i = 0; i < 100; i++) {
    await call(`${api}/items/${baselineItemId(ids, i * 97)}`, {
      method: 'PATCH',
      headers: json,
      body: JSON.stringify({ title: `Requirement ${i * 97 + 1}, edited`, status: 'in_review' }),
    });
  }
  for (let i = 0; i < 10; i++) {
    await call(`${api}/items/${baselineItemId(ids, 5000 + i * 400)}/move`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ after: baselineItemId(ids, i * 13) }),
    });
  }
  const diff = () =>
    call(`${api}/specifications/${spec}/diff?from=${first.id}&to=head`, { headers: auth });
  const [diffed, diffPeak] = await peakDuring(base, () => times(5, diff));
  const summary = (diffed.last as { summary: Record<string, number> }).summary;
  const second = (await (await take()).json()) as { id: string };
  const between = await times(5, () =>
    call(`${api}/specifications/${spec}/diff?from=${first.id}&to=${second.id}`, { headers: auth }),
  );

  const row = timedRow;
  rows.push(
    row(`POST baseline, 10k items (${backend})`, taken),
    row(`GET diff baseline..head, 10k (${backend})`, diffed),
    row(`GET diff baseline..baseline, 10k (${backend})`, between),
  );
  notes.push(
    `baselines (${backend}): take a baseline of ${first.itemCount} items median ${taken.median.toFixed(0)} ms, max ${taken.max.toFixed(0)} (target <= 2000 on PostgreSQL)`,
  );
  notes.push(
    `baselines (${backend}): diff against head (${JSON.stringify(summary)}) median ${diffed.median.toFixed(0)} ms, max ${diffed.max.toFixed(0)} (target <= 1000 on PostgreSQL); between two baselines ${between.median.toFixed(0)} ms`,
  );
  notes.push(
    `baselines (${backend}): service RSS ${start.toFixed(0)} MiB at the start, peak ${takePeak.toFixed(0)} taking baselines (+${(takePeak - start).toFixed(0)}), ${diffPeak.toFixed(0)} diffing (+${(diffPeak - start).toFixed(0)})`,
  );
}
