import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { scrubText, scrubValue, FILTERED } from '../../src/platform/error-scrub.js';
import { setupTestEnv, TEST_SECRETS } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

const env = await setupTestEnv();

/** A stand-in for Sentry's ingestion: keeps every envelope posted to /api/<project>/envelope/. */
async function startSentryIngest() {
  const envelopes: { path: string; body: string }[] = [];
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    return req.headers['content-encoding'] === 'gzip'
      ? gunzipSync(raw).toString('utf8')
      : raw.toString('utf8');
  };
  const server = createServer((req, res) => {
    void read(req).then((body) => {
      envelopes.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    dsn: `http://public0123456789@127.0.0.1:${address.port}/42`,
    envelopes,
    /** The JSON items of every envelope that carries an error event. */
    events: () =>
      envelopes.flatMap(({ body }) =>
        body
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((item) => 'exception' in item),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('scrubbing replaces credentials in strings and under secret keys', () => {
  const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl';
  assert.equal(scrubText(`token ${jwt} here`), `token ${FILTERED} here`);
  assert.equal(scrubText('Authorization: Bearer abc.def-123'), `Authorization: Bearer ${FILTERED}`);
  assert.equal(
    scrubText('/reset?token=s3cret&next=/home#code=xyz'),
    `/reset?token=${FILTERED}&next=/home#code=${FILTERED}`,
  );
  assert.equal(scrubText('/app?loginCode=lc-123&tab=1'), `/app?loginCode=${FILTERED}&tab=1`);
  assert.equal(
    scrubText('connect postgres://gilla:hunter2@db:5432/gilla failed'),
    `connect postgres://gilla:${FILTERED}@db:5432/gilla failed`,
  );
  assert.deepEqual(
    scrubValue({
      password: 'hunter2',
      nested: [
        { refreshToken: 'r1', clientSecret: 'c1', title: 'AUTH-1', code: 'c', loginCode: 'l' },
      ],
      cookie: 'gilla_oauth=abc',
      note: null,
    }),
    {
      password: FILTERED,
      nested: [
        {
          refreshToken: FILTERED,
          clientSecret: FILTERED,
          title: 'AUTH-1',
          code: FILTERED,
          loginCode: FILTERED,
        },
      ],
      cookie: FILTERED,
      note: null,
    },
  );
});

test(
  'with SENTRY_DSN an unexpected error reaches Sentry with its request id and user id, and no secret',
  { timeout: 30_000 },
  async (t) => {
    const ingest = await startSentryIngest();
    t.after(() => ingest.close());
    const app = await env.app(
      { SENTRY_DSN: ingest.dsn, SENTRY_ENVIRONMENT: 'ci' },
      {
        routes: (instance) => {
          instance.post('/boom', { preHandler: instance.authenticate }, (request) => {
            const header = request.headers.authorization ?? '';
            throw new Error(`failed for ${header} at ${request.url}`);
          });
        },
      },
    );
    const user = await createUser(app);
    const res = await app.inject({
      method: 'POST',
      url: '/boom?token=query-secret-1234&state=state-secret',
      headers: { ...user.auth, cookie: 'gilla_oauth=cookie-secret-5678' },
      payload: { password: user.password, refreshToken: user.refreshToken },
    });
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().code, 'internal');
    assert.equal(res.json().detail, 'An unexpected error occurred');
    // Client errors are not reported.
    assert.equal(
      (await app.inject({ method: 'GET', url: '/api/v1/nothing-here' })).statusCode,
      404,
    );
    assert.equal(
      (
        await app.inject({
          method: 'GET',
          url: '/api/v1/users/me',
          headers: { authorization: 'Bearer x' },
        })
      ).statusCode,
      401,
    );
    await app.close(); // flushes the reporter

    for (let i = 0; i < 50 && ingest.events().length === 0; i++) await sleep(100);
    const events = ingest.events();
    assert.equal(events.length, 1, 'exactly the one unexpected error is reported');
    const [event] = events as [
      {
        environment: string;
        release: string;
        tags: Record<string, string>;
        user: Record<string, unknown>;
        exception: { values: { type: string; value: string }[] };
      },
    ];
    assert.equal(ingest.envelopes[0]?.path.split('?')[0], '/api/42/envelope/');
    assert.equal(event.environment, 'ci');
    assert.match(event.release, /^gilla@\d+\.\d+\.\d+/);
    assert.equal(event.tags.request_id, res.headers['x-request-id']);
    assert.equal(event.tags.route, '/boom');
    assert.deepEqual(event.user, { id: user.id });
    assert.equal(event.exception.values[0]?.type, 'Error');
    assert.match(
      event.exception.values[0]?.value ?? '',
      /^failed for Bearer \[Filtered\] at \/boom\?token=\[Filtered\]&state=\[Filtered\]$/,
    );
    const everything = ingest.envelopes.map((e) => e.body).join('\n');
    for (const secret of [
      user.accessToken,
      user.refreshToken,
      user.password,
      user.email,
      'query-secret-1234',
      'state-secret',
      'cookie-secret-5678',
      TEST_SECRETS.JWT_SECRET_KEY,
    ]) {
      assert.ok(!everything.includes(secret), `the report leaks ${secret}`);
    }
  },
);

test('without SENTRY_DSN the Sentry SDK is never loaded', { timeout: 60_000 }, () => {
  const url = (file: string) => pathToFileURL(`dist/src/${file}`).href;
  const script = `
    const { buildApp } = await import(${JSON.stringify(url('app.js'))});
    const { loadConfig } = await import(${JSON.stringify(url('config.js'))});
    const app = await buildApp(loadConfig(process.env));
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/api/v1/config' });
    console.log(JSON.stringify({ status: res.statusCode, sentry: typeof globalThis.__SENTRY__ }));
    await app.close();
  `;
  const run = (extra: Record<string, string>) => {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: 'memory://',
        LOG_LEVEL: 'silent',
        ...TEST_SECRETS,
        ...extra,
      },
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as {
      status: number;
      sentry: string;
    };
  };
  assert.deepEqual(run({}), { status: 200, sentry: 'undefined' });
  // The control: the same probe sees the SDK once a DSN is set.
  assert.deepEqual(run({ SENTRY_DSN: 'http://key@127.0.0.1:9/1' }), {
    status: 200,
    sentry: 'object',
  });
});
