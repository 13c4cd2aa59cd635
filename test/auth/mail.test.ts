import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { createUser, login, uniqueEmail } from '../helpers/factories.js';
import { startSmtpServer, tokenFromMail } from '../helpers/smtp.js';

const env = await setupTestEnv();
const smtp = await startSmtpServer();
const app = await env.app({
  SMTP_URL: smtp.url,
  MAIL_POLL_INTERVAL_MS: '200',
  APP_URL: 'https://app.example.com',
});

const forMe = (email: string, subject: RegExp) => (m: { to: string[]; raw: string }) =>
  m.to.includes(email) && subject.test(m.raw);

/** Time passes: the outbox row of `email` is due for its next attempt now, and the worker woken. */
async function makeDue(email: string): Promise<void> {
  await app.db
    .updateTable('mail_outbox')
    .set({ next_attempt_at: new Date() })
    .where('recipient', '=', email)
    .execute();
  app.outbox.kick();
}

/** Waits (up to 5 s) until the outbox row of `email` has `column` set; returns its value. */
async function outboxRowSet(email: string, column: 'sent_at' | 'failed_at'): Promise<Date | null> {
  let value: Date | null = null;
  for (let i = 0; i < 100 && value === null; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 50));
    const row = await app.db
      .selectFrom('mail_outbox')
      .select(column)
      .where('recipient', '=', email)
      .executeTakeFirstOrThrow();
    value = row[column];
  }
  return value;
}

test('registration mails a verification link; following it verifies the e-mail, once', async () => {
  const user = await createUser(app);
  const mail = await smtp.waitFor(forMe(user.email, /Confirm your e-mail/));
  assert.match(
    mail.raw.replace(/=\r?\n/g, ''),
    /https:\/\/app\.example\.com\/verify-email\?token=3D/,
  );
  const token = tokenFromMail(mail);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/email/verify',
    payload: { token },
  });
  assert.equal(res.statusCode, 204);
  const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth });
  assert.equal(me.json().emailVerified, true);
  const again = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/email/verify',
    payload: { token },
  });
  assert.equal(again.statusCode, 400);
  assert.equal(again.json().errors[0].path, 'token');
});

test('resend sends a new verification link and the old one stops working', async () => {
  const user = await createUser(app);
  const first = tokenFromMail(await smtp.waitFor(forMe(user.email, /Confirm your e-mail/)));
  const before = smtp.inbox.length;
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/email/verify/resend',
    headers: user.auth,
  });
  assert.equal(res.statusCode, 202);
  const second = tokenFromMail(
    await smtp.waitFor((m) => smtp.inbox.indexOf(m) >= before && m.to.includes(user.email)),
  );
  assert.notEqual(first, second);
  assert.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/email/verify',
        payload: { token: first },
      })
    ).statusCode,
    400,
  );
  assert.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/email/verify',
        payload: { token: second },
      })
    ).statusCode,
    204,
  );
});

test('forgot answers 202 for any e-mail; the reset link sets the password once and ends every session', async () => {
  const user = await createUser(app);
  const other = await login(app, user);
  const unknown = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/password/forgot',
    payload: { email: uniqueEmail() },
  });
  assert.equal(unknown.statusCode, 202);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/password/forgot',
    payload: { email: user.email },
  });
  assert.equal(res.statusCode, 202);
  assert.equal(res.body, unknown.body);
  const token = tokenFromMail(await smtp.waitFor(forMe(user.email, /Reset your/)));
  const reset = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/password/reset',
    payload: { token, password: 'a brand new passphrase' },
  });
  assert.equal(reset.statusCode, 204);
  for (const auth of [user.auth, other.auth]) {
    assert.equal(
      (await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: auth })).statusCode,
      401,
    );
  }
  assert.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: user.refreshToken },
      })
    ).statusCode,
    401,
  );
  const oldLogin = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(oldLogin.statusCode, 401);
  const newLogin = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: 'a brand new passphrase' },
  });
  assert.equal(newLogin.statusCode, 200);
  const replay = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/password/reset',
    payload: { token, password: 'yet another passphrase' },
  });
  assert.equal(replay.statusCode, 400);
});

test('an expired reset token is refused and the password stays', async () => {
  const user = await createUser(app);
  await app.inject({
    method: 'POST',
    url: '/api/v1/auth/password/forgot',
    payload: { email: user.email },
  });
  const token = tokenFromMail(await smtp.waitFor(forMe(user.email, /Reset your/)));
  await app.db
    .updateTable('one_time_tokens')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('user_id', '=', user.id)
    .execute();
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/password/reset',
    payload: { token, password: 'a brand new passphrase' },
  });
  assert.equal(res.statusCode, 400);
  const stillOld = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(stillOld.statusCode, 200);
});

test('tokens are stored hashed, and mail bodies encrypted', async () => {
  const user = await createUser(app);
  const token = tokenFromMail(await smtp.waitFor(forMe(user.email, /Confirm your e-mail/)));
  const tokens = await app.db.selectFrom('one_time_tokens').select('token_hash').execute();
  assert.ok(tokens.every((t) => t.token_hash !== token));
  const mails = await app.db
    .selectFrom('mail_outbox')
    .select('body_enc')
    .where('recipient', '=', user.email)
    .execute();
  assert.ok(mails.length > 0);
  assert.ok(mails.every((m) => !m.body_enc.includes(token) && m.body_enc.startsWith('v1.')));
});

test('SMTP down: mail waits in the outbox and is delivered when it is back', async () => {
  smtp.setFailing(true);
  const email = uniqueEmail('outage');
  try {
    await createUser(app, { email });
    // Wait for at least one failed attempt to be recorded.
    for (let i = 0; i < 100; i++) {
      const row = await app.db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('recipient', '=', email)
        .executeTakeFirstOrThrow();
      if (row.attempts > 0 && row.last_error !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const failed = await app.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('recipient', '=', email)
      .executeTakeFirstOrThrow();
    assert.equal(failed.sent_at, null);
    assert.ok(failed.attempts >= 1);
    assert.ok(failed.next_attempt_at.getTime() > Date.now(), 'a retry is scheduled with backoff');
  } finally {
    smtp.setFailing(false);
  }
  await makeDue(email);
  await smtp.waitFor(forMe(email, /Confirm your e-mail/));
  // The server has the mail; the outbox marks it sent once the client reads the server's reply.
  assert.ok((await outboxRowSet(email, 'sent_at')) !== null, 'the outbox row is marked sent');
});

test('a reset link lasts 30 minutes and a verification link 24 hours; an expired one is refused', async () => {
  const user = await createUser(app);
  const verifyToken = tokenFromMail(await smtp.waitFor(forMe(user.email, /Confirm your e-mail/)));
  await app.inject({
    method: 'POST',
    url: '/api/v1/auth/password/forgot',
    payload: { email: user.email },
  });
  await smtp.waitFor(forMe(user.email, /Reset your/));
  const rows = await app.db
    .selectFrom('one_time_tokens')
    .select(['purpose', 'created_at', 'expires_at'])
    .where('user_id', '=', user.id)
    .execute();
  const minutes = (purpose: string) => {
    const row = rows.find((r) => r.purpose === purpose);
    assert.ok(row, purpose);
    return (row.expires_at.getTime() - row.created_at.getTime()) / 60_000;
  };
  assert.ok(Math.abs(minutes('password_reset') - 30) < 0.1, `reset: ${minutes('password_reset')}`);
  assert.ok(Math.abs(minutes('email_verification') - 24 * 60) < 0.1, 'verification: 24 h');
  await app.db
    .updateTable('one_time_tokens')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('user_id', '=', user.id)
    .where('purpose', '=', 'email_verification')
    .execute();
  const late = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/email/verify',
    payload: { token: verifyToken },
  });
  assert.equal(late.statusCode, 400);
  const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth });
  assert.equal(me.json().emailVerified, false);
});

test('malformed verification and reset tokens are a clear 400 naming the token', async () => {
  for (const token of ['', 'short', 'has spaces in it and is long enough', 'x'.repeat(5000), 42]) {
    const verify = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/email/verify',
      payload: { token },
    });
    assert.equal(verify.statusCode, 400, `verify ${String(token).slice(0, 20)}`);
    assert.equal(verify.json().code, 'validation_failed');
    assert.equal(verify.json().errors[0].path, 'token');
    const reset = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { token, password: 'a brand new passphrase' },
    });
    assert.equal(reset.statusCode, 400, `reset ${String(token).slice(0, 20)}`);
    assert.equal(reset.json().code, 'validation_failed');
    assert.equal(reset.json().errors[0].path, 'token');
  }
});

test('a mail undeliverable for a day is given up: counted, logged, never retried', async () => {
  smtp.setFailing(true);
  const email = uniqueEmail('dead');
  try {
    await createUser(app, { email });
    // Queued a day and an hour ago, and due now.
    await app.db
      .updateTable('mail_outbox')
      .set({
        created_at: new Date(Date.now() - 25 * 3600 * 1000),
        next_attempt_at: new Date(),
      })
      .where('recipient', '=', email)
      .execute();
    app.outbox.kick();
    assert.ok((await outboxRowSet(email, 'failed_at')) !== null, 'the mail is marked given up');
    const metrics = (await app.inject({ url: '/metrics' })).body;
    assert.match(metrics, /^gilla_mail_deliveries_total\{result="abandoned"\} [1-9]/m);
  } finally {
    smtp.setFailing(false);
  }
  const before = await app.db
    .selectFrom('mail_outbox')
    .select('attempts')
    .where('recipient', '=', email)
    .executeTakeFirstOrThrow();
  // Even when it would be due again and the server is back, it is not sent.
  await makeDue(email);
  await app.outbox.idle();
  await new Promise((r) => setTimeout(r, 300));
  const after = await app.db
    .selectFrom('mail_outbox')
    .select(['attempts', 'sent_at'])
    .where('recipient', '=', email)
    .executeTakeFirstOrThrow();
  assert.equal(after.sent_at, null);
  assert.equal(after.attempts, before.attempts);
  assert.ok(!smtp.inbox.some((m) => m.to.includes(email)));
});
