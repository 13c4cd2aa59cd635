// The mixed scenario: a worker group (WEB_CONCURRENCY=2) on PostgreSQL and Redis, driven for a
// minute (BENCH_MIXED_SECONDS) by connections that each cycle through reads and writes the way a
// team's clients do, then the resident memory of every worker (from /proc) before and after.
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface MixedResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  byStatus: Record<string, number>;
  writes: number;
  memory: { pid: number; before: number; after: number }[];
  primary: { pid: number; rss: number };
  /** Server-side time per route from the group's /metrics: count, mean and the bucket holding p99. */
  routes: { route: string; count: number; meanMs: number; p99Ms: number }[];
}

/** Per-route request counts, mean and p99 bucket from a Prometheus text of the duration histogram. */
function routeTimes(text: string): MixedResult['routes'] {
  const byRoute = new Map<string, { count: number; sum: number; buckets: [number, number][] }>();
  const entry = (route: string) => {
    let e = byRoute.get(route);
    if (!e) byRoute.set(route, (e = { count: 0, sum: 0, buckets: [] }));
    return e;
  };
  for (const line of text.split('\n')) {
    const m = /^http_request_duration_seconds_(bucket|sum|count)\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
    );
    const key = `${labels.method ?? ''} ${labels.route ?? ''}`;
    const value = Number(m[3]);
    const e = entry(key);
    if (m[1] === 'sum') e.sum += value;
    else if (m[1] === 'count') e.count += value;
    else if (labels.le !== '+Inf') {
      const le = Number(labels.le);
      const found = e.buckets.find((b) => b[0] === le);
      if (found) found[1] += value;
      else e.buckets.push([le, value]);
    }
  }
  return [...byRoute.entries()]
    .filter(([, e]) => e.count >= 100)
    .map(([route, e]) => {
      const p99 = e.buckets.sort((a, b) => a[0] - b[0]).find((b) => b[1] >= e.count * 0.99);
      return {
        route,
        count: e.count,
        meanMs: (e.sum / e.count) * 1000,
        p99Ms: p99 ? p99[0] * 1000 : Infinity,
      };
    })
    .sort((a, b) => b.count - a.count);
}

type Json = Record<string, unknown>;

async function call(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<Json> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Json;
}

/** Resident set size of a process in bytes (Linux /proc). */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

function workersOf(primaryPid: number): number[] {
  return execFileSync('ps', ['--ppid', String(primaryPid), '-o', 'pid='], { encoding: 'utf8' })
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((pid) => pid > 0);
}

const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)] as T;

/** Runs the scenario against a started worker group whose primary is `primaryPid`. */
export async function runMixed(
  base: string,
  primaryPid: number,
  login: { email: string; password: string },
  readSpecId: string,
  seconds: number,
): Promise<MixedResult> {
  const token = (await call(base, 'POST', '/api/v1/auth/login', null, login)).accessToken as string;
  const project = await call(base, 'POST', '/api/v1/projects', token, { name: 'Mixed load' });
  const spec = await call(
    base,
    'POST',
    `/api/v1/projects/${String(project.id)}/specifications`,
    token,
    {
      title: 'Written under load',
    },
  );
  const writeSpec = String(spec.id);
  const writable: string[] = [];
  for (let i = 0; i < 40; i++) {
    const item = await call(base, 'POST', `/api/v1/specifications/${writeSpec}/items`, token, {
      title: `Requirement ${i}`,
      body: 'The service shall keep working.',
    });
    writable.push(String(item.id));
  }
  const page = await call(
    base,
    'GET',
    `/api/v1/specifications/${readSpecId}/items?limit=100`,
    token,
  );
  const readable = (page.data as { id: string }[]).map((i) => i.id);

  const workers = workersOf(primaryPid);
  const before = new Map(workers.map((pid) => [pid, rssOf(pid)]));
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, 'content-type': 'application/json' };
  let writes = 0;
  // One cycle: 8 reads, 3 writes (a create, an edit with its revision, a move).
  const requests: autocannon.Request[] = [
    { method: 'GET', path: `/api/v1/specifications/${readSpecId}/items?limit=50`, headers: auth },
    {
      method: 'GET',
      headers: auth,
      setupRequest: (r) => ({ ...r, path: `/api/v1/items/${pick(readable)}` }),
    },
    { method: 'GET', path: '/api/v1/users/me', headers: auth },
    {
      method: 'PATCH',
      headers: json,
      setupRequest: (r) => {
        writes++;
        return {
          ...r,
          path: `/api/v1/items/${pick(writable)}`,
          body: JSON.stringify({ body: `Edited ${Date.now()} ${Math.random()}` }),
        };
      },
    },
    { method: 'GET', path: '/api/v1/projects?limit=20', headers: auth },
    {
      method: 'GET',
      headers: auth,
      setupRequest: (r) => ({ ...r, path: `/api/v1/items/${pick(writable)}/revisions?limit=10` }),
    },
    {
      method: 'POST',
      path: `/api/v1/specifications/${writeSpec}/items`,
      headers: json,
      setupRequest: (r) => {
        writes++;
        return {
          ...r,
          body: JSON.stringify({ title: `Under load ${Math.random()}`, body: 'New.' }),
        };
      },
    },
    { method: 'GET', path: '/api/v1/config' },
    { method: 'GET', path: `/api/v1/specifications/${writeSpec}/items?limit=50`, headers: auth },
    {
      method: 'POST',
      headers: json,
      setupRequest: (r) => {
        writes++;
        const moved = pick(writable);
        const after = pick([null, ...writable.filter((id) => id !== moved)]);
        return { ...r, path: `/api/v1/items/${moved}/move`, body: JSON.stringify({ after }) };
      },
    },
    { method: 'GET', path: `/api/v1/specifications/${readSpecId}`, headers: auth },
  ];
  const byStatus: Record<string, number> = {};
  const result = await autocannon({
    url: base,
    connections: 20,
    pipelining: 1,
    duration: seconds,
    requests,
  });
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    byStatus[code] = stats.count ?? 0;
  }
  const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
  return {
    routes: routeTimes(metrics),
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    byStatus,
    writes,
    memory: workers.map((pid) => ({ pid, before: before.get(pid) ?? 0, after: rssOf(pid) })),
    primary: { pid: primaryPid, rss: rssOf(primaryPid) },
  };
}
