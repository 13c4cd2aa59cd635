import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request, Agent } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type TLSSocket } from 'node:tls';
import { startServerProcess } from '../helpers/server-process.js';
import { loadConfig } from '../../src/config.js';
import { sql } from 'kysely';
import { connectionString, openDatabase } from '../../src/platform/database.js';
import { ownPostgresUnavailable, startOwnPostgres } from '../helpers/services.js';

// HTTPS served by the service itself: TLS 1.3 only, the certificate re-read on SIGHUP without
// dropping open connections. Certificates are made with openssl, as an operator would.

const hasOpenssl = existsSync('/usr/bin/openssl');
const dir = mkdtempSync(path.join(tmpdir(), 'gilla-tls-'));

/** A new P-256 key, unencrypted, as `openssl req` makes it. */
const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

function makeCertificate(name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  openssl(
    'req',
    '-x509',
    ...NEW_EC_KEY,
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  return { cert, key };
}

interface Answer {
  status: number;
  protocol: string | null;
  issuer: string;
}

function get(port: number, ca: Buffer[], agent?: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      // A new connection each time unless an agent keeps one open.
      { host: '127.0.0.1', port, path: '/health/live', ca, agent: agent ?? false },
      (res) => {
        const socket = res.socket as TLSSocket;
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            protocol: socket.getProtocol(),
            issuer: String(socket.getPeerCertificate().subject.CN),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test(
  'HTTPS: TLS 1.3 only; SIGHUP re-reads the certificate and open connections go on',
  { timeout: 120_000 },
  async (t) => {
    if (!hasOpenssl) return t.skip('openssl not installed: it makes the test certificates');
    const first = makeCertificate('first');
    const second = makeCertificate('second');
    const live = { cert: path.join(dir, 'live.crt'), key: path.join(dir, 'live.key') };
    renameSync(first.cert, live.cert);
    renameSync(first.key, live.key);
    const server = await startServerProcess({
      TLS_CERT_FILE: live.cert,
      TLS_KEY_FILE: live.key,
      DATABASE_URL: 'memory://',
    });
    after(() => server.child.kill('SIGKILL'));
    const cas = [readFileSync(live.cert), readFileSync(second.cert)];

    const answer = await get(server.port, cas);
    assert.deepEqual(answer, { status: 200, protocol: 'TLSv1.3', issuer: 'first' });

    // A client that offers at most TLS 1.2 is refused in the handshake.
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port: server.port,
        maxVersion: 'TLSv1.2',
        ca: cas,
      });
      socket.on('secureConnect', () => resolve('connected'));
      socket.on('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message));
    });
    assert.notEqual(refused, 'connected');

    // A connection kept open across the reload.
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    assert.equal((await get(server.port, cas, keepAlive)).issuer, 'first');

    renameSync(second.cert, live.cert);
    renameSync(second.key, live.key);
    server.child.kill('SIGHUP');
    let after_: Answer = answer;
    for (let i = 0; i < 50 && after_.issuer !== 'second'; i++) {
      await sleep(100);
      after_ = await get(server.port, cas);
    }
    assert.equal(after_.issuer, 'second');
    assert.equal(server.child.exitCode, null, 'SIGHUP does not stop an HTTPS service');
    // The connection opened before still answers, with the certificate it started with.
    const reused = await get(server.port, cas, keepAlive);
    assert.deepEqual(reused, { status: 200, protocol: 'TLSv1.3', issuer: 'first' });
    keepAlive.destroy();
    assert.match(server.output(), /TLS certificate re-read/);
  },
);

test('TLS settings: both files or neither; DATABASE_CA_FILE verifies the server (verify-full)', (t) => {
  if (!hasOpenssl) return t.skip('openssl not installed: it makes the test certificates');
  const { cert } = makeCertificate('ca');
  assert.throws(
    () => loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'memory://', TLS_CERT_FILE: cert }),
    /TLS_CERT_FILE and TLS_KEY_FILE go together/,
  );
  assert.throws(
    () =>
      loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'memory://', DATABASE_CA_FILE: '/nonexistent' }),
    /DATABASE_CA_FILE must name a readable file/,
  );
  assert.throws(
    () => loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'memory://', DATABASE_CA_FILE: cert }),
    /DATABASE_CA_FILE needs a DATABASE_URL/,
  );
  assert.throws(
    () =>
      loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: 'memory://',
        REDIS_URL: 'redis://127.0.0.1:6379',
        REDIS_CA_FILE: cert,
      }),
    /REDIS_CA_FILE needs a rediss:\/\/ REDIS_URL/,
  );
  const url = connectionString('postgres://gilla@db.example.com/gilla', cert);
  assert.equal(new URL(url).searchParams.get('sslmode'), 'verify-full');
  assert.equal(new URL(url).searchParams.get('sslrootcert'), cert);
  // A mode the URL names is kept.
  const required = connectionString('postgres://gilla@db/gilla?sslmode=verify-ca', cert);
  assert.equal(new URL(required).searchParams.get('sslmode'), 'verify-ca');
});

test(
  'PostgreSQL over TLS with verify-full against DATABASE_CA_FILE; a wrong CA is refused',
  { timeout: 120_000 },
  async (t) => {
    const why = ownPostgresUnavailable();
    if (!hasOpenssl || why) return t.skip(why ?? 'openssl not installed');
    // A CA, and a server certificate it signed for 127.0.0.1.
    const ca = makeCertificate('gilla-test-ca');
    const serverKey = path.join(dir, 'pg.key');
    const serverCsr = path.join(dir, 'pg.csr');
    const serverCert = path.join(dir, 'pg.crt');
    const ext = path.join(dir, 'pg.ext');
    writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\n');
    openssl(
      'req',
      '-new',
      ...NEW_EC_KEY,
      '-keyout',
      serverKey,
      '-out',
      serverCsr,
      '-subj',
      '/CN=127.0.0.1',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      serverCsr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-out',
      serverCert,
      '-days',
      '1',
      '-extfile',
      ext,
    );
    const pgServer = await startOwnPostgres({ cert: serverCert, key: serverKey });
    after(() => pgServer.destroy());

    const verified = await openDatabase(
      {
        ...loadConfig({ NODE_ENV: 'test', DATABASE_URL: pgServer.url, DATABASE_CA_FILE: ca.cert })
          .database,
      },
      { warn: () => undefined },
    );
    try {
      const { rows } = await sql<{
        ssl: boolean;
      }>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`.execute(verified.db);
      assert.deepEqual(rows, [{ ssl: true }]);
    } finally {
      await verified.close();
    }
    // Another CA: the server's certificate does not verify, and the service gets no connection.
    const stranger = makeCertificate('stranger-ca');
    const refused = await openDatabase(
      {
        ...loadConfig({
          NODE_ENV: 'test',
          DATABASE_URL: pgServer.url,
          DATABASE_CA_FILE: stranger.cert,
        }).database,
      },
      { warn: () => undefined },
    );
    try {
      await assert.rejects(sql`select 1`.execute(refused.db), /could not be reached/);
    } finally {
      await refused.close();
    }
  },
);
