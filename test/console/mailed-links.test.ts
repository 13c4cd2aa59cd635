import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { createUser, uniqueEmail } from '../helpers/factories.js';
import { startSmtpServer, type ReceivedMail } from '../helpers/smtp.js';
import {
  NO_CONSOLE_TESTS,
  arrived,
  signIn,
  signUp,
  startConsole,
  type ConsoleRig,
} from './helpers.js';

// The links Gilla mails land in the console (APP_URL unset: the service's own address), in
// Chromium with a real SMTP server catching the mail.
const skip = NO_CONSOLE_TESTS;
const env = await setupTestEnv();
const smtp = await startSmtpServer();
let rig: ConsoleRig;

before(async () => {
  if (!skip) rig = await startConsole(env, { SMTP_URL: smtp.url, MAIL_POLL_INTERVAL_MS: '200' });
});
after(async () => {
  if (!skip) await rig.close();
});

/** The link in a mail (quoted-printable undone), which must point into the console. */
function linkIn(mail: ReceivedMail, path: string): string {
  const body = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const link = new RegExp(`https?://[^\\s]+${path}\\?token=[A-Za-z0-9_-]+`).exec(body)?.[0];
  assert.ok(link, `a ${path} link in the mail:\n${body}`);
  assert.ok(link.startsWith(rig.origin), `${link} is the console's own address`);
  return link;
}

const to = (email: string, subject: RegExp) => (m: ReceivedMail) =>
  m.to.includes(email) && subject.test(m.raw);

test('the mailed reset link opens the console, which sets the new password', { skip }, async () => {
  const user = await createUser(rig.app);
  const { page } = await rig.newPage();
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.getByRole('status').getByText('a link to reset its password is on its way').waitFor();

  const mail = await smtp.waitFor(to(user.email, /Reset your/));
  await page.goto(linkIn(mail, '/reset-password'));
  await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByText('Your password is changed').waitFor();

  // The old password no longer works; the new one does.
  const old = await rig.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: user.email, password: user.password },
  });
  assert.equal(old.statusCode, 401);
  await signIn(page, { email: user.email, password: 'a brand new passphrase' });

  // The same link again: used up, and the console says so.
  await page.goto(linkIn(mail, '/reset-password'));
  await page.getByLabel('New password', { exact: true }).fill('yet another passphrase');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByRole('alert').waitFor();
  await rig.done(page);
});

test('the mailed verification link verifies the address on opening', { skip }, async () => {
  const email = uniqueEmail('verify');
  const { page } = await rig.newPage();
  await signUp(page, { name: 'Vera', email, password: 'a long enough password' });
  await page.goto('/account');
  await page.getByText('not verified').waitFor();

  const mail = await smtp.waitFor(to(email, /Confirm your e-mail/));
  await page.goto(linkIn(mail, '/verify-email'));
  await page.getByText('Your address is verified').waitFor();
  await page.goto('/account');
  await page.getByText('verified', { exact: true }).waitFor();
  await arrived(page, 'Your account');
  await rig.done(page);
});
