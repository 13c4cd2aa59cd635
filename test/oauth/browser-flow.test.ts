import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { signInThroughBrowser, TestBrowser } from '../helpers/browser.js';
import { uniqueEmail } from '../helpers/factories.js';
import { startIdentityProvider } from '../helpers/identity-provider.js';

const REDIRECT = 'http://app.test/signed-in';
const CALLBACK = 'http://gilla.test/api/v1/auth/oauth/oidc/callback';
const START = `http://gilla.test/api/v1/auth/oauth/oidc/start?redirectTo=${encodeURIComponent(REDIRECT)}`;

const env = await setupTestEnv();
const idp = await startIdentityProvider({
  clients: () => [
    {
      client_id: 'gilla',
      client_secret: 'gilla-client-secret-0123456789',
      redirect_uris: [CALLBACK],
    },
  ],
});
after(() => idp.close());
const app = await env.app({
  OIDC_ISSUER: idp.issuer,
  OIDC_CLIENT_ID: 'gilla',
  OIDC_CLIENT_SECRET: 'gilla-client-secret-0123456789',
  OAUTH_REDIRECT_ALLOWLIST: `${REDIRECT},http://app.test/other`,
});

test('the whole browser sign-in: provider login and consent, then a login code for our tokens', async () => {
  const email = uniqueEmail('alice');
  const login = idp.addAccount(`alice-${email}`, { email, email_verified: true, name: 'Alice' });
  const browser = new TestBrowser(app);
  const back = await signInThroughBrowser(browser, START, login, 'http://app.test');
  console.log(browser.history.map((v) => `${v.status} ${v.url}`).join('\n'));
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  const loginCode = back.searchParams.get('loginCode');
  assert.ok(loginCode, back.toString());
});
