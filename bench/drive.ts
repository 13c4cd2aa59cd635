// How a scenario is driven and summed up: autocannon runs with exact per-response times, and
// pairs of scenarios in alternating rounds. Shared by the bench's sections.
import autocannon from 'autocannon';

/** Seconds per scenario (BENCH_SECONDS, default 10). */
export const seconds = Number(process.env.BENCH_SECONDS ?? 10);

export interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

/** The value at quantile q (0..1) of sorted values. */
export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

export async function drive(name: string, options: autocannon.Options): Promise<Row> {
  // autocannon's own histogram keeps whole milliseconds; each response's time is exact. Like
  // autocannon's, the latencies are those of 2xx responses (the rest are counted as non-2xx).
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { connections: 20, pipelining: 1, duration: seconds, ...options },
      (err, done) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(done),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) times.push(ms);
    });
  });
  times.sort((a, b) => a - b);
  return {
    name,
    rps: result.requests.average,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    non2xx: result.non2xx + result.errors,
  };
}

/**
 * Ours and the bare server in alternating rounds (ours, bare, ours, bare, …), so that drift in
 * the machine's speed during the run falls on both alike; the rows add the rounds up.
 */
export async function pair(
  ours: [string, autocannon.Options],
  bare: [string, autocannon.Options],
  rounds = 3,
): Promise<[Row, Row]> {
  const runs: [Row[], Row[]] = [[], []];
  const roundSeconds = Math.max(2, Math.round(seconds / rounds));
  // Unmeasured warm-up of both: the first seconds of a route run cold code (JIT), which the
  // framework's longer path feels more than the bare server's.
  await drive(ours[0], { ...ours[1], duration: 5 });
  await drive(bare[0], { ...bare[1], duration: 5 });
  for (let i = 0; i < rounds; i++) {
    runs[0].push(await drive(ours[0], { ...ours[1], duration: roundSeconds }));
    runs[1].push(await drive(bare[0], { ...bare[1], duration: roundSeconds }));
  }
  const merge = (rows: Row[]): Row => {
    const sorted = (pick: (r: Row) => number) => rows.map(pick).sort((a, b) => a - b);
    const median = (pick: (r: Row) => number) => sorted(pick)[Math.floor(rows.length / 2)] ?? 0;
    return {
      name: rows[0]?.name ?? '',
      rps: rows.reduce((sum, r) => sum + r.rps, 0) / rows.length,
      p50: median((r) => r.p50),
      p99: median((r) => r.p99),
      non2xx: rows.reduce((sum, r) => sum + r.non2xx, 0),
    };
  };
  return [merge(runs[0]), merge(runs[1])];
}

/** One request that must succeed (else it throws with the status and the body). */
export async function call(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return res;
}

/** The service's resident memory in MiB, from its metrics. */
export async function rssMiB(base: string): Promise<number> {
  const text = await (await call(`${base}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\S+)/m.exec(text)?.[1] ?? NaN) / 2 ** 20;
}

/** Samples the service's memory every 100 ms while `work` runs; answers the highest. */
export async function peakDuring<T>(base: string, work: () => Promise<T>): Promise<[T, number]> {
  let peak = await rssMiB(base);
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await rssMiB(base));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return [await work(), peak];
  } finally {
    running = false;
    await sampler;
  }
}

/** Milliseconds of each call, sequentially, with the last response's JSON. */
export async function times(n: number, send: () => Promise<Response>) {
  const ms: number[] = [];
  let last: unknown;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    last = await (await send()).json();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, max: ms.at(-1)!, last };
}

/** A table row for sequential timings (`times`): requests/s from the median. */
export function timedRow(name: string, t: { median: number; max: number }): Row {
  return { name, rps: 1000 / t.median, p50: t.median, p99: t.max, non2xx: 0 };
}
