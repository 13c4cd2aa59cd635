import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

const env = await setupTestEnv();

/** Polls until `find` returns something (mail is delivered by the outbox worker, not the request). */
async function eventually<T>(find: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const found = await find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

test('without SMTP_URL, mail goes to DATA_DIR/outbox (owner-only) and the log, and its link works', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gilla-dev-mail-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const app = await env.app(
    {
      // The database is the test's own; DATA_DIR only decides where the outbox folder is.
      DATABASE_URL: undefined,
      DATA_DIR: dataDir,
      SMTP_URL: undefined,
      LOG_LEVEL: 'info',
      MAIL_POLL_INTERVAL_MS: '200',
      APP_URL: 'https://app.example.com',
    },
    { logStream },
  );
  const user = await createUser(app);
  // The mail is logged once its file is written: wait for the line, then read the whole file.
  // Outside production the log carries the mail too, so a developer can follow it from there.
  const logged = await eventually(() => lines.find((l) => l.includes(`To: ${user.email}`)));
  const outbox = path.join(dataDir, 'outbox');
  const file = readdirSync(outbox)
    .map((name) => path.join(outbox, name))
    .find((f) => readFileSync(f, 'utf8').includes(`To: ${user.email}`));
  assert.ok(file, 'the mail has a file in the outbox folder');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(outbox).mode & 0o777, 0o700);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^Subject: Confirm your e-mail/m);
  const token = /https:\/\/app\.example\.com\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
  assert.ok(token, text);
  assert.ok(logged.includes(token), 'the logged mail has the same link');
  const row = await eventually(async () => {
    const r = await app.db
      .selectFrom('mail_outbox')
      .select(['sent_at', 'attempts'])
      .where('recipient', '=', user.email)
      .executeTakeFirstOrThrow();
    return r.sent_at === null ? undefined : r;
  });
  assert.ok(row.sent_at instanceof Date, 'the outbox row is marked sent');
  const verify = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/email/verify',
    payload: { token },
  });
  assert.equal(verify.statusCode, 204);
  const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth });
  assert.equal(me.json().emailVerified, true);
});
