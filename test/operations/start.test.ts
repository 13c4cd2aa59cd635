import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startServerProcess } from '../helpers/server-process.js';

const script = path.resolve('scripts/build-if-stale.mjs');

test('npm start builds only when the build is missing or older than the sources', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gilla-start-'));
  // A project whose build leaves a mark: it writes dist/src/server.js and counts its runs.
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      scripts: {
        build:
          "node -e \"const fs=require('fs');fs.mkdirSync('dist/src',{recursive:true});fs.writeFileSync('dist/src/server.js','');fs.appendFileSync('builds','x')\"",
      },
    }),
  );
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'a.ts'), 'export {};');
  const start = () => execFileSync(process.execPath, [script], { cwd: dir, stdio: 'pipe' });
  const builds = () =>
    existsSync(path.join(dir, 'builds'))
      ? execFileSync('cat', [path.join(dir, 'builds')], { encoding: 'utf8' }).length
      : 0;

  start();
  assert.equal(builds(), 1, 'no build yet: it builds');
  start();
  assert.equal(builds(), 1, 'the build is current: it does not');
  const later = new Date(Date.now() + 5000);
  utimesSync(path.join(dir, 'src', 'a.ts'), later, later);
  start();
  assert.equal(builds(), 2, 'a source changed: it builds again');
  rmSync(dir, { recursive: true, force: true });
});

test('LOG_FORMAT=pretty prints readable lines, not JSON', async () => {
  // JSON (no transport) is the default outside a terminal: test/config.test.ts picks the format,
  // test/http/logging.test.ts reads the JSON lines.
  const server = await startServerProcess({ DATABASE_URL: 'memory://', LOG_FORMAT: 'pretty' });
  try {
    assert.match(
      server.output(),
      /^\[\d\d:\d\d:\d\d\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+$/m,
    );
    assert.doesNotMatch(server.output(), /^\{"level"/m);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
