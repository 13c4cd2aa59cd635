import assert from 'node:assert/strict';
import { get } from 'node:http';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { startServerProcess } from '../helpers/server-process.js';

const env = await setupTestEnv();

/** One GET on a connection of its own, so the cluster hands each request to the next worker. */
function getOnce(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

function sampleOf(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

test(
  'with WEB_CONCURRENCY=2, every /metrics scrape reports the requests of both workers',
  { timeout: 90_000 },
  async (t) => {
    if (env.database.url === null) {
      t.skip('TEST_DATABASE_URL not set: a worker group needs a PostgreSQL server');
      return;
    }
    const server = await startServerProcess(
      { DATABASE_URL: env.database.url, WEB_CONCURRENCY: '2', RATE_LIMIT_PER_HOUR: '100000' },
      2,
    );
    t.after(async () => {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await server.exited;
    });
    const { base } = server;
    for (let i = 0; i < 40; i++) {
      const res = await getOnce(`${base}/api/v1/config`);
      assert.equal(res.status, 200);
    }
    // Each scrape lands on one worker; each must still count all 40 requests.
    for (let i = 0; i < 4; i++) {
      const res = await getOnce(`${base}/metrics`);
      assert.equal(res.status, 200);
      const count = sampleOf(
        res.body,
        'http_request_duration_seconds_count{route="/api/v1/config",method="GET",status_code="200"}',
      );
      assert.equal(count, 40, `scrape ${i} counts ${String(count)}`);
      const pool = sampleOf(res.body, 'gilla_db_pool_connections{state="total"}');
      assert.ok(pool !== null && pool >= 2, `both workers' pools are summed: ${String(pool)}`);
    }
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  },
);
