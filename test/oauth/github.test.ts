import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import { signInThroughBrowser, TestBrowser } from '../helpers/browser.js';
import { uniqueEmail } from '../helpers/factories.js';
import { startIdentityProvider, type TestIdentityProvider } from '../helpers/identity-provider.js';

// GitHub is OAuth 2 without ID tokens. oidc-provider plays its authorization server on GitHub's
// paths; GitHub's REST API (`/user`, `/user/emails`) is answered beside it, for the access
// tokens that server issued.
const APP = 'http://app.test';
const REDIRECT = `${APP}/done`;
const START = `http://gilla.test/api/v1/auth/oauth/github/start?redirectTo=${encodeURIComponent(REDIRECT)}`;

interface GitHubPerson {
  id: number;
  login: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
}
const people = new Map<string, GitHubPerson>();
const started: { idp?: TestIdentityProvider } = {};

function githubApi(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.url !== '/user' && req.url !== '/user/emails') return false;
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  void (async () => {
    const grant = await started.idp?.provider.AccessToken.find(token);
    const person = grant?.accountId ? people.get(grant.accountId) : undefined;
    if (!person || req.headers['user-agent'] === undefined) {
      res.writeHead(401).end(JSON.stringify({ message: 'Bad credentials' }));
      return;
    }
    const body =
      req.url === '/user'
        ? {
            id: person.id,
            login: person.login,
            name: null,
            avatar_url: 'https://avatars.example/1',
          }
        : person.emails;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  })();
  return true;
}

const env = await setupTestEnv();
const idp = await startIdentityProvider({
  clients: () => [
    {
      client_id: 'gh-client',
      client_secret: 'gh-client-secret-0123456789',
      redirect_uris: ['http://gilla.test/api/v1/auth/oauth/github/callback'],
    },
  ],
  routes: { authorization: '/login/oauth/authorize', token: '/login/oauth/access_token' },
  extra: githubApi,
});
started.idp = idp;
after(() => idp.close());
const app = await env.app({
  GITHUB_CLIENT_ID: 'gh-client',
  GITHUB_CLIENT_SECRET: 'gh-client-secret-0123456789',
  GITHUB_URL: idp.issuer,
  GITHUB_API_URL: idp.issuer,
  OAUTH_REDIRECT_ALLOWLIST: REDIRECT,
});

function person(id: number, emails: GitHubPerson['emails']): string {
  const login = `octo-${id}`;
  people.set(login, { id, login, emails });
  idp.addAccount(login, {});
  return login;
}

async function exchange(back: URL) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/oauth/exchange',
    payload: { loginCode: back.searchParams.get('loginCode') ?? 'no-login-code-given-00' },
  });
}

test('GitHub sign-in takes the verified primary e-mail and the numeric user id', async () => {
  const primary = uniqueEmail('octo');
  const login = person(4242, [
    { email: uniqueEmail('unverified'), primary: false, verified: false },
    { email: primary, primary: true, verified: true },
  ]);
  const browser = new TestBrowser(app);
  const back = await signInThroughBrowser(browser, START, login, APP);
  const toGitHub = new URL(browser.history[0]?.location ?? '');
  assert.equal(toGitHub.pathname, '/login/oauth/authorize');
  assert.equal(toGitHub.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(toGitHub.searchParams.get('scope'), 'read:user user:email');

  const res = await exchange(back);
  assert.equal(res.statusCode, 200, back.toString());
  const user = res.json<{
    user: { email: string; emailVerified: boolean; name: string; providers: string[] };
  }>().user;
  assert.equal(user.email, primary);
  assert.equal(user.emailVerified, true);
  assert.equal(user.name, login);
  assert.deepEqual(user.providers, ['github']);
  const identity = await app.db
    .selectFrom('user_identities')
    .selectAll()
    .where('provider', '=', 'github')
    .where('subject', '=', '4242')
    .executeTakeFirst();
  assert.equal(identity?.email, primary);
});

test('a GitHub account without any e-mail cannot sign up', async () => {
  const login = person(777, []);
  const back = await signInThroughBrowser(new TestBrowser(app), START, login, APP);
  assert.equal(back.searchParams.get('error'), 'email_required');
  assert.equal(back.searchParams.get('loginCode'), null);
});

test('GitHub issues no ID tokens: the token endpoint says so', async () => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/oauth/github/token',
    payload: { idToken: 'a.b.c' },
  });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json<{ code: string }>().code, 'validation_failed');
});
