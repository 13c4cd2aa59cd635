import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { TOTP } from 'otpauth';
import { setupTestEnv } from '../helpers/app.js';
import { addVirtualAuthenticator } from '../helpers/chromium.js';
import { createUser, uniqueEmail } from '../helpers/factories.js';
import { freePort } from '../helpers/services.js';
import { startIdentityProvider, type TestIdentityProvider } from '../helpers/identity-provider.js';
import {
  NO_CONSOLE_TESTS,
  arrived,
  screenshot,
  seriousViolations,
  signIn,
  startConsole,
  tokenOf,
  type ConsoleRig,
} from './helpers.js';

// The console's other ways in, in Chromium: an OpenID Connect provider (oidc-provider) through
// the console's own callback, a passkey added on the account page (a virtual authenticator), and
// two-step sign-in set up on the account page and then passed with a recovery code.
const skip = NO_CONSOLE_TESTS;
const env = await setupTestEnv();
let rig: ConsoleRig;
let idp: TestIdentityProvider;

before(async () => {
  if (skip) return;
  // The provider must know the callback before the service (and its port) exists: the service
  // is given a port first, then the provider is told the callback on it.
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  idp = await startIdentityProvider({
    clients: () => [
      {
        client_id: 'gilla',
        client_secret: 'gilla-client-secret-0123456789',
        redirect_uris: [`${origin}/api/v1/auth/oauth/oidc/callback`],
      },
    ],
  });
  rig = await startConsole(
    env,
    {
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: 'gilla',
      OIDC_CLIENT_SECRET: 'gilla-client-secret-0123456789',
      OIDC_NAME: 'Test IdP',
    },
    port,
  );
});
after(async () => {
  if (skip) return;
  await rig.close();
  await idp.close();
});

test('a provider sign-in comes back to the console signed in', { skip }, async () => {
  const email = uniqueEmail('fed');
  const login = idp.addAccount(`sub-${email}`, { email, email_verified: true, name: 'Fed Person' });
  const { page } = await rig.newPage();
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Continue with Test IdP' }).click();
  // The provider's own (development) login and consent pages.
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
  await page.locator('button[type="submit"]').click();
  await arrived(page, 'Projects');
  assert.equal(new URL(page.url()).pathname, '/');
  await page.goto('/account');
  await page.getByText(email).waitFor();
  await rig.done(page);
});

test('a passkey added on the account page signs in without a password', { skip }, async () => {
  const user = await createUser(rig.app);
  const { page } = await rig.newPage();
  await page.goto('/sign-in');
  await addVirtualAuthenticator(page);
  await signIn(page, user);
  await page.goto('/account/security');
  await page.getByLabel('Passkey name').fill('Laptop');
  await page.getByRole('button', { name: 'Add passkey' }).click();
  await page.getByRole('button', { name: 'Remove Laptop' }).waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await arrived(page, 'Projects');
  // The session the console now holds was made by the passkey.
  const claims = decodeJwt(await tokenOf(page));
  assert.equal(claims.sub, user.id);
  assert.deepEqual(claims.amr, ['webauthn']);
  await rig.done(page);
});

test(
  'two-step sign-in: set up with the QR key, then a sign-in asks for a code',
  { skip },
  async () => {
    const user = await createUser(rig.app);
    const { page } = await rig.newPage();
    await signIn(page, user);
    await page.goto('/account/security');
    await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    await page.getByAltText('QR code for the authenticator app').waitFor();
    const secret = (await page.locator('code.url').textContent())!.trim();
    const code = new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate();
    await page.getByLabel('Authentication code').fill(code);
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Keep these recovery codes').waitFor();
    const codes = await page.locator('ul.codes code').allTextContents();
    assert.equal(codes.length, 10);
    await screenshot(page, 'totp-recovery-codes');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Two-step sign-in', level: 1 }).waitFor();
    assert.deepEqual(await seriousViolations(page), [], 'the second step passes axe');
    // A wrong code is refused with the API's message; a recovery code lets the user in.
    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(codes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await arrived(page, 'Projects');
    await rig.done(page);
  },
);
