// `npm run bench`: starts Gilla and a bare node:http server doing the same essential work, drives
// both with autocannon (no pipelining) and prints requests/s, p50/p99 latency and our/bare ratios.
// BENCH_SECONDS (default 10) per scenario; BENCH_DATABASE_URL / BENCH_REDIS_URL to use real services.
// With both set, a mixed read/write scenario follows at WEB_CONCURRENCY=2 for BENCH_MIXED_SECONDS
// (default 60) and reports each worker's memory. Arguments pick sections: `npm run bench -- me login`
// runs only those (health, me, projects, items, login, refresh, trace, baselines, import, pat, mfa,
// webhooks, console, mixed).
import argon2 from 'argon2';
import type autocannon from 'autocannon';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { ARGON2_OPTIONS } from '../src/auth/passwords.js';
import { wrapPglite } from '../src/platform/database.js';
import { migrateUp } from '../src/platform/migrator.js';
import type { Database } from '../src/platform/schema.js';
import { drive, pair, type Row } from './drive.js';
import { runMixed } from './mixed.js';
import { seed, seedIds, type SeedIds } from './seed.js';
import { trace } from './trace.js';
import { baselines } from './baselines.js';
import { imports } from './imports.js';
import { mfa, pats } from './security.js';
import { webhooks } from './webhooks.js';
import { consoleBench } from './console.js';

const picked = process.argv.slice(2);
const wanted = (section: string) => picked.length === 0 || picked.includes(section);
const secret = 'bench-jwt-secret-0123456789abcdefghijklmnop';
const ours = 5601;
const bare = 5602;
const mixedPort = 5603;
const webhookPort = 5604;
const consolePort = 5605;
const baseEnv = {
  PATH: process.env.PATH,
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  JWT_SECRET_KEY: secret,
  ENCRYPTION_KEY: 'bench-encryption-key-0123456789abcdefghijkl',
  RATE_LIMIT_PER_HOUR: '100000000',
  AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
  ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
  ...(process.env.BENCH_REDIS_URL ? { REDIS_URL: process.env.BENCH_REDIS_URL } : {}),
  // Counts and cached values of an earlier run must not carry over.
  REDIS_KEY_PREFIX: `gilla-bench-${Date.now()}:`,
};

const children: ChildProcess[] = [];
// However the run ends, no server is left holding its port for the next run.
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

async function start(
  script: string,
  env: Record<string, string | undefined>,
  port: number,
): Promise<ChildProcess> {
  const child = fork(script, [], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'inherit',
  });
  children.push(child);
  for (let i = 0; i < 600; i++) {
    // Exited (e.g. the port is taken): whatever answers there is not what we started.
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status < 500) return child;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${script} did not start`);
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

function table(rows: Row[], notes: string[]): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(
    `\n${pad('scenario', 48)}${pad('req/s', 10)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}non-2xx`,
  );
  for (const r of rows) {
    console.log(
      `${pad(r.name, 48)}${pad(r.rps.toFixed(0), 10)}${pad(r.p50.toFixed(2), 8)}${pad(r.p99.toFixed(2), 8)}${r.non2xx}`,
    );
  }
  console.log('');
  for (const note of notes) console.log(note);
}

/** Seeds the service's database: its data folder before it starts, or PostgreSQL after. */
async function seedService(dataDir: string, ids: SeedIds, phase: 'before' | 'after') {
  const url = process.env.BENCH_DATABASE_URL;
  if (phase === 'before' && !url) {
    const client = await PGlite.create(`${dataDir}/pgdata`); // where the service keeps it
    const handle = wrapPglite(client, true);
    await migrateUp(handle.db);
    await seed(handle.db, baseEnv.ENCRYPTION_KEY, ids);
    await handle.close();
  } else if (phase === 'after' && url) {
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
    });
    await seed(db, baseEnv.ENCRYPTION_KEY, ids);
    await db.destroy();
  }
}

/** The single-process scenarios, each against the bare server doing the same essential work. */
async function singleProcess(
  dataDir: string,
  ids: SeedIds,
  rows: Row[],
  notes: string[],
): Promise<void> {
  const { email, password } = ids;
  const service = await start('dist/src/server.js', { ...baseEnv, DATA_DIR: dataDir }, ours);
  await seedService(dataDir, ids, 'after');
  const base = `http://127.0.0.1:${ours}`;
  const token = (await post(`${base}/api/v1/auth/login`, { email, password }))
    .accessToken as string;
  const barer = await start(
    'dist/bench/bare-server.js',
    { ...baseEnv, BENCH_SEED: JSON.stringify(ids) },
    bare,
  );
  const auth = { authorization: `Bearer ${token}` };
  try {
    if (wanted('health')) await health(base, rows, notes);
    if (wanted('me')) await me(base, auth, rows, notes);
    if (wanted('projects') || wanted('items')) await reads(base, auth, ids, rows, notes);
    const login = wanted('login') ? await logins(base, auth, ids, rows, notes) : undefined;
    if (wanted('refresh')) await refreshes(base, ids, login, rows, notes);
    if (wanted('trace')) await trace(base, auth, ids, rows, notes);
    if (wanted('baselines')) await baselines(base, auth, ids, rows, notes);
    if (wanted('import')) await imports(base, auth, rows, notes);
    if (wanted('pat')) await pats(base, auth, rows, notes);
    if (wanted('mfa')) await mfa(base, ids, rows, notes);
  } finally {
    await stop(service);
    await stop(barer);
  }
}

async function health(base: string, rows: Row[], notes: string[]): Promise<void> {
  const [healthOurs, healthBare] = await pair(
    ['GET /health (gilla)', { url: `${base}/health` }],
    ['GET /health (bare node:http)', { url: `http://127.0.0.1:${bare}/health` }],
  );
  rows.push(healthOurs, healthBare);
  notes.push(
    `/health   gilla/bare = ${(healthOurs.rps / healthBare.rps).toFixed(2)}  (target >= 0.9)`,
  );
}

async function me(base: string, auth: Record<string, string>, rows: Row[], notes: string[]) {
  const [meOurs, meBare] = await pair(
    ['GET /users/me (gilla)', { url: `${base}/api/v1/users/me`, headers: auth }],
    [
      'GET /users/me (bare: JWT verify + PK query)',
      { url: `http://127.0.0.1:${bare}/api/v1/users/me`, headers: auth },
    ],
  );
  // Gilla remembers tokens that verified; a client that never sends the same token twice gets
  // no help from that. Same session, a fresh token (new jti) for every request, both servers.
  const fresh = await freshTokens(auth.authorization!.slice('Bearer '.length), 60_000);
  let next = 0;
  const freshAuth = (): autocannon.Request => ({
    method: 'GET',
    setupRequest: (req) => ({
      ...req,
      headers: { ...req.headers, authorization: `Bearer ${fresh[next++ % fresh.length]}` },
    }),
  });
  const [freshOurs, freshBare] = await pair(
    [
      'GET /users/me (gilla, new token each time)',
      { url: `${base}/api/v1/users/me`, requests: [freshAuth()] },
    ],
    [
      'GET /users/me (bare, new token each time)',
      { url: `http://127.0.0.1:${bare}/api/v1/users/me`, requests: [freshAuth()] },
    ],
  );
  rows.push(meOurs, meBare, freshOurs, freshBare);
  notes.push(`/users/me gilla/bare = ${(meOurs.rps / meBare.rps).toFixed(2)}  (target >= 0.7)`);
  notes.push(
    `/users/me with a new token each request: gilla/bare = ${(freshOurs.rps / freshBare.rps).toFixed(2)}`,
  );
}

/** Copies of a token for the same session, each with its own jti, signed with the bench's secret. */
async function freshTokens(token: string, count: number): Promise<string[]> {
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  const key = new TextEncoder().encode(secret);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    tokens.push(
      await new SignJWT({ ...claims, jti: uuidv7() })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: header.kid })
        .sign(key),
    );
  }
  return tokens;
}

async function reads(
  base: string,
  auth: Record<string, string>,
  ids: SeedIds,
  rows: Row[],
  notes: string[],
): Promise<void> {
  const [projectsOurs, projectsBare] = await pair(
    ['GET /projects (gilla)', { url: `${base}/api/v1/projects`, headers: auth }],
    [
      'GET /projects (bare: JWT verify + join query)',
      { url: `http://127.0.0.1:${bare}/api/v1/projects`, headers: auth },
    ],
  );
  const itemsPath = (specId: string) => `/api/v1/specifications/${specId}/items`;
  const [itemsOurs, itemsBare] = await pair(
    [
      'GET items page, 1k spec (gilla)',
      { url: `${base}${itemsPath(ids.smallSpecId)}`, headers: auth },
    ],
    [
      'GET items page, 1k spec (bare)',
      { url: `http://127.0.0.1:${bare}${itemsPath(ids.smallSpecId)}`, headers: auth },
    ],
  );
  const [itemsLarge, itemsSmall] = await pair(
    [
      'GET items page, 100k spec (gilla)',
      { url: `${base}${itemsPath(ids.largeSpecId)}`, headers: auth },
    ],
    [
      'GET items page, 1k spec (gilla, again)',
      { url: `${base}${itemsPath(ids.smallSpecId)}`, headers: auth },
    ],
  );
  rows.push(projectsOurs, projectsBare, itemsOurs, itemsBare, itemsLarge, itemsSmall);
  notes.push(
    `/projects gilla/bare = ${(projectsOurs.rps / projectsBare.rps).toFixed(2)}  (target >= 0.7)`,
  );
  notes.push(
    `items page gilla/bare = ${(itemsOurs.rps / itemsBare.rps).toFixed(2)}  (target >= 0.7)`,
  );
  notes.push(
    `items page p50 100k/1k = ${itemsLarge.p50.toFixed(2)} / ${itemsSmall.p50.toFixed(2)} ms = ${(itemsLarge.p50 / Math.max(itemsSmall.p50, 0.01)).toFixed(2)}  (target <= 1.5)`,
  );
}

/**
 * The service's event-loop delay since the last call, "p99 / max ms": how late prom-client's
 * timer, set every 10 ms, fired (it reports whole intervals, and starts over at every scrape).
 */
async function eventLoopDelay(base: string): Promise<string> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const ms = (name: string) =>
    (Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) * 1000 - 10).toFixed(1);
  return `${ms('nodejs_eventloop_lag_p99_seconds')} / ${ms('nodejs_eventloop_lag_max_seconds')} ms`;
}

/** Login against what the cores can hash, and what a login burst does to other requests. */
async function logins(
  base: string,
  auth: Record<string, string>,
  { email, password }: SeedIds,
  rows: Row[],
  notes: string[],
): Promise<Row> {
  // Login is argon2id-bound: compare with what the cores can hash, timed just before and just
  // after the login run (the machine's speed drifts; the mean of both is the yardstick).
  const timeHash = async () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) await argon2.hash(password, ARGON2_OPTIONS);
    return Number(process.hrtime.bigint() - t0) / 1e6 / 10;
  };
  const hashBefore = await timeHash();
  const cores = availableParallelism();
  // One-connection probes, each measured idle and while logins saturate the cores. The bare
  // server's /health does the same checks (a database and a Redis round trip): its p99 under the
  // same login load shows what the machine allows any server. On a VM whose cores are all
  // hashing, a process woken to answer can wait for a scheduler tick (4 ms at HZ=250).
  const healthProbe = { url: `${base}/health`, connections: 1 };
  const bareProbe = { url: `http://127.0.0.1:${bare}/health`, connections: 1 };
  const meProbe = { url: `${base}/api/v1/users/me`, headers: auth, connections: 1 };
  const loginLoad: autocannon.Options = {
    url: `${base}/api/v1/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
    connections: 8,
  };
  const duringLogin = async (name: string, probe: autocannon.Options) => {
    const [, busy] = await Promise.all([
      drive(`POST /auth/login (with ${name} client)`, loginLoad),
      drive(`${name} during login load (1 conn)`, probe),
    ]);
    return busy;
  };
  // Unmeasured warm-up of both /health routes: cold code would inflate the idle p99 that the
  // ratio divides by (when the health section did not run first).
  await drive('GET /health warm-up', { ...healthProbe, duration: 3 });
  await drive('GET /health warm-up (bare)', { ...bareProbe, duration: 3 });
  await eventLoopDelay(base); // starts a fresh measurement
  const healthIdle = await drive('GET /health idle (1 conn)', healthProbe);
  const loopIdle = await eventLoopDelay(base);
  const bareIdle = await drive('GET /health (bare) idle (1 conn)', bareProbe);
  // Throughput alone: a second client hammering the machine at the same time would take the CPU
  // that the target counts as hashing. Then latency of other requests while logins saturate it.
  const login = await drive('POST /auth/login', loginLoad);
  const hashAfter = await timeHash();
  const hashMs = (hashBefore + hashAfter) / 2;
  await eventLoopDelay(base);
  const healthBusy = await duringLogin('GET /health', healthProbe);
  const loopBusy = await eventLoopDelay(base);
  const bareBusy = await duringLogin('GET /health (bare)', bareProbe);
  const meIdle = await drive('GET /users/me idle (1 conn)', meProbe);
  const meBusy = await duringLogin('GET /users/me', meProbe);
  rows.push(login, healthIdle, healthBusy, bareIdle, bareBusy, meIdle, meBusy);
  const loginTarget = (0.8 * cores * 1000) / hashMs;
  notes.push(
    `login ${login.rps.toFixed(1)}/s vs target 0.8 x ${cores} cores / ${hashMs.toFixed(1)} ms per hash (${hashBefore.toFixed(1)} before, ${hashAfter.toFixed(1)} after) = ${loginTarget.toFixed(1)}/s`,
  );
  notes.push(
    `/health p99 idle ${healthIdle.p99.toFixed(2)} ms, while login is saturated ${healthBusy.p99.toFixed(2)} ms = ${(healthBusy.p99 / healthIdle.p99).toFixed(2)}x, +${(healthBusy.p99 - healthIdle.p99).toFixed(2)} ms  (target within 2x)`,
  );
  notes.push(
    `  bare node:http /health (same checks), same login load: ${bareIdle.p99.toFixed(2)} -> ${bareBusy.p99.toFixed(2)} ms = ${(bareBusy.p99 / bareIdle.p99).toFixed(2)}x, +${(bareBusy.p99 - bareIdle.p99).toFixed(2)} ms`,
  );
  notes.push(
    `service's event-loop delay p99/max idle ${loopIdle}, while login is saturated ${loopBusy}`,
  );
  notes.push(
    `/users/me p50/p99 idle ${meIdle.p50.toFixed(2)}/${meIdle.p99.toFixed(2)} ms, while login is saturated ${meBusy.p50.toFixed(2)}/${meBusy.p99.toFixed(2)} ms`,
  );

  return login;
}

async function refreshes(
  base: string,
  { email, password }: SeedIds,
  login: Row | undefined,
  rows: Row[],
  notes: string[],
): Promise<void> {
  // Refresh: a pool of rotating chains, one per connection (autocannon resets per-request context,
  // so a token is taken from the pool for a request and its successor put back).
  const pool: string[] = [];
  for (let i = 0; i < 10; i++)
    pool.push(
      (await post(`${base}/api/v1/auth/login`, { email, password })).refreshToken as string,
    );
  const refresh = await drive('POST /auth/refresh (rotating)', {
    url: `${base}/api/v1/auth/refresh`,
    connections: 10,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ refreshToken: pool.shift() }) }),
        onResponse: (status, body) => {
          if (status === 200)
            pool.push((JSON.parse(body) as { refreshToken: string }).refreshToken);
        },
      },
    ],
  });
  rows.push(refresh);
  if (login) notes.push(`refresh/login = ${(refresh.rps / login.rps).toFixed(1)}  (target >= 10)`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Reads and writes for a minute against WEB_CONCURRENCY=2 on PostgreSQL and Redis. */
async function mixed(ids: SeedIds, seeded: boolean, rows: Row[], notes: string[]) {
  if (!process.env.BENCH_DATABASE_URL || !process.env.BENCH_REDIS_URL) {
    notes.push('mixed scenario skipped: it needs BENCH_DATABASE_URL and BENCH_REDIS_URL');
    return;
  }
  const seconds = Number(process.env.BENCH_MIXED_SECONDS ?? 60);
  const group = await start('dist/src/server.js', { ...baseEnv, WEB_CONCURRENCY: '2' }, mixedPort);
  try {
    if (!seeded) await seedService('', ids, 'after');
    console.log(`mixed reads and writes for ${seconds} s at WEB_CONCURRENCY=2…`);
    const result = await runMixed(
      `http://127.0.0.1:${mixedPort}`,
      group.pid ?? 0,
      { email: ids.email, password: ids.password },
      ids.smallSpecId,
      seconds,
    );
    rows.push({
      name: 'mixed 8 reads : 3 writes (2 workers, Redis)',
      rps: result.rps,
      p50: result.p50,
      p99: result.p99,
      non2xx: result.non2xx + result.errors,
    });
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    notes.push(
      `mixed: ${result.writes} writes requested; responses by status ${JSON.stringify(result.byStatus)}`,
    );
    for (const [i, w] of result.memory.entries()) {
      notes.push(
        `mixed: worker ${i + 1} (pid ${w.pid}) RSS ${mb(w.before)} before, ${mb(w.after)} after ${seconds} s of load`,
      );
    }
    notes.push(`mixed: primary (pid ${result.primary.pid}) RSS ${mb(result.primary.rss)}`);
    notes.push(
      'mixed: server time by route (both workers, from /metrics): count, mean, p99 bucket',
    );
    for (const r of result.routes) {
      notes.push(
        `  ${r.route.padEnd(52)}${String(r.count).padStart(7)}  ${r.meanMs.toFixed(1).padStart(6)} ms  <= ${r.p99Ms} ms`,
      );
    }
  } finally {
    await stop(group);
  }
}

/**
 * The `webhooks` section on a service of its own outside production (which refuses loopback
 * receivers), on an empty database (embedded) or BENCH_DATABASE_URL.
 */
async function webhookSection(rows: Row[], notes: string[]): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gilla-bench-webhooks-'));
  const service = await start(
    'dist/src/server.js',
    { ...baseEnv, NODE_ENV: 'development', LOG_FORMAT: 'json', DATA_DIR: dataDir },
    webhookPort,
  );
  try {
    const base = `http://127.0.0.1:${webhookPort}`;
    const { accessToken } = await post(`${base}/api/v1/auth/register`, {
      email: `webhooks-${Date.now()}@bench.test`,
      password: 'bench password 0123456789',
      name: 'Bench',
    });
    await webhooks(base, { authorization: `Bearer ${accessToken as string}` }, rows, notes);
  } finally {
    await stop(service);
  }
}

/** The `console` section: the web console in Chromium against a service of its own. */
async function consoleSection(rows: Row[], notes: string[]): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gilla-bench-console-'));
  const base = `http://127.0.0.1:${consolePort}`;
  const service = await start(
    'dist/src/server.js',
    { ...baseEnv, DATA_DIR: dataDir, PUBLIC_URL: base },
    consolePort,
  );
  try {
    await consoleBench(base, rows, notes);
  } finally {
    await stop(service);
  }
}

async function main(): Promise<void> {
  const mixedOnly = picked.length > 0 && picked.every((p) => p === 'mixed');
  const ownService = ['webhooks', 'console'];
  const webhooksOnly = picked.length > 0 && picked.every((p) => ownService.includes(p));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gilla-bench-'));
  const ids = seedIds(uuidv7);
  const rows: Row[] = [];
  const notes: string[] = [];
  if (!mixedOnly && !webhooksOnly) {
    console.log('seeding 31 projects, 111,000 items and 20,050 links…');
    await seedService(dataDir, ids, 'before');
    await singleProcess(dataDir, ids, rows, notes);
  }
  if (wanted('webhooks')) await webhookSection(rows, notes);
  if (wanted('console')) await consoleSection(rows, notes);
  if (wanted('mixed')) await mixed(ids, !mixedOnly, rows, notes);
  table(rows, notes);
}

await main();
