import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { setupTestEnv } from '../helpers/app.js';
import {
  addMember,
  createItem,
  createLink,
  createProject,
  createSpecification,
  createUser,
  type TestUser,
} from '../helpers/factories.js';
import {
  NO_CONSOLE_TESTS,
  screenshot,
  seriousViolations,
  signIn,
  startConsole,
  type ConsoleRig,
} from './helpers.js';

// Every screen of the console, filled with data, checked by axe-core (no serious or critical
// violation) at desktop width and at 375 px, where nothing may overflow sideways. Each is
// screenshotted into test-output/screenshots.
const skip = NO_CONSOLE_TESTS;
const env = await setupTestEnv();
let rig: ConsoleRig;
let admin: TestUser;
let projectId: string;
let specificationId: string;

before(async () => {
  if (skip) return;
  rig = await startConsole(env);
  const { app } = rig;
  admin = await createUser(app, { admin: true, name: 'Grace Hopper' });
  const colleague = await createUser(app, { name: 'Alan Turing' });
  const project = await createProject(app, admin, { name: 'Flight software', key: 'FSW' });
  projectId = project.id;
  await addMember(app, admin, projectId, colleague, 'editor');
  const spec = await createSpecification(app, admin, projectId, { title: 'Guidance' });
  specificationId = spec.id;
  const tests = await createSpecification(app, admin, projectId, { title: 'Tests' });
  const req = await createItem(app, admin, spec.id, {
    title: 'Attitude is held within 0.1°',
    body: '## Rationale\n\nThe **star tracker** needs it.\n\n- one\n- two',
  });
  for (let i = 2; i <= 12; i += 1)
    await createItem(app, admin, spec.id, { title: `Requirement ${i}` });
  const check = await createItem(app, admin, tests.id, { title: 'Hold attitude for an hour' });
  await createLink(app, admin, check.id, req.id, 'verifies');
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/items/${req.id}`,
    headers: admin.auth,
    payload: { title: 'Attitude is held within 0.05°' },
  });
  await app.inject({
    method: 'POST',
    url: `/api/v1/specifications/${spec.id}/baselines`,
    headers: admin.auth,
    payload: { name: 'PDR' },
  });
  await app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/webhooks`,
    headers: admin.auth,
    payload: { url: 'http://127.0.0.1:9/hooks', events: ['item.*'] },
  });
  await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/tokens',
    headers: admin.auth,
    payload: { name: 'ci', scopes: ['read'] },
  });
  await app.inject({
    method: 'PUT',
    url: '/api/v1/admin/flags/new-editor',
    headers: admin.auth,
    payload: { enabled: true, description: 'The new editor', rolloutPercent: 50 },
  });
});
after(async () => {
  if (!skip) await rig.close();
});

/** A screen: where it is, and what to do there before checking it. */
interface Screen {
  name: string;
  path: () => string;
  /** Text that shows the screen has its data. */
  ready: string;
  act?: (page: Page) => Promise<void>;
  signedIn?: boolean;
}

const SCREENS: Screen[] = [
  { name: 'sign-in', path: () => '/sign-in', ready: 'Forgot your password?', signedIn: false },
  { name: 'sign-up', path: () => '/sign-up', ready: 'Have an account?', signedIn: false },
  {
    name: 'forgot-password',
    path: () => '/forgot-password',
    ready: 'Send the link',
    signedIn: false,
  },
  {
    name: 'reset-password',
    path: () => '/reset-password?token=abc',
    ready: 'Set password',
    signedIn: false,
  },
  {
    name: 'verify-email',
    path: () => '/verify-email?token=abc',
    ready: 'The link may be used or expired',
    signedIn: false,
  },
  { name: 'projects', path: () => '/', ready: 'Flight software' },
  {
    name: 'new-project-dialog',
    path: () => '/',
    ready: 'Flight software',
    act: (page) => page.getByRole('button', { name: 'New project' }).click(),
  },
  { name: 'project', path: () => `/projects/${projectId}`, ready: 'Guidance' },
  { name: 'members', path: () => `/projects/${projectId}/members`, ready: 'Alan Turing' },
  { name: 'activity', path: () => `/projects/${projectId}/activity`, ready: 'item.created' },
  { name: 'import', path: () => `/projects/${projectId}/import`, ready: 'ReqIF from DOORS' },
  {
    name: 'webhooks',
    path: () => `/projects/${projectId}/webhooks`,
    ready: 'http://127.0.0.1:9/hooks',
  },
  {
    name: 'webhook-deliveries',
    path: () => `/projects/${projectId}/webhooks`,
    ready: 'http://127.0.0.1:9/hooks',
    act: async (page) => {
      await page.getByRole('button', { name: /^Deliveries/ }).click();
      await page.getByText('Deliveries to').waitFor();
    },
  },
  {
    name: 'project-settings',
    path: () => `/projects/${projectId}/settings`,
    ready: 'Delete project',
  },
  {
    name: 'specification',
    path: () => `/specifications/${specificationId}`,
    ready: 'Requirement 12',
    act: async (page) => {
      await page.getByRole('button', { name: /FSW-1 / }).click();
      await page.getByRole('button', { name: 'Links' }).click();
      await page
        .getByRole('region', { name: /^Links of/ })
        .getByText('suspect', { exact: true })
        .waitFor();
      await page.getByRole('button', { name: 'History' }).click();
      await page.getByRole('button', { name: 'Approvals' }).click();
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.getByText('star tracker', { exact: true }).waitFor();
    },
  },
  {
    name: 'baselines',
    path: () => `/specifications/${specificationId}`,
    ready: 'Requirement 12',
    act: async (page) => {
      await page.getByRole('tab', { name: 'Baselines' }).click();
      await page.getByRole('button', { name: 'Compare PDR with now' }).click();
      await page.getByText('Since PDR').waitFor();
    },
  },
  {
    name: 'coverage',
    path: () => `/specifications/${specificationId}`,
    ready: 'Requirement 12',
    act: async (page) => {
      await page.getByRole('tab', { name: 'Coverage' }).click();
      await page.getByText('covered: 1 of 12 items').waitFor();
    },
  },
  { name: 'account', path: () => '/account', ready: 'Save profile' },
  { name: 'account-security', path: () => '/account/security', ready: 'Set up two-step sign-in' },
  {
    name: 'totp-enrolment',
    path: () => '/account/security',
    ready: 'Set up two-step sign-in',
    act: async (page) => {
      await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
      await page.getByAltText('QR code for the authenticator app').waitFor();
    },
  },
  { name: 'account-sessions', path: () => '/account/sessions', ready: 'this one' },
  { name: 'account-tokens', path: () => '/account/tokens', ready: 'Revoke ci' },
  { name: 'admin-users', path: () => '/admin', ready: 'Alan Turing' },
  { name: 'admin-flags', path: () => '/admin/flags', ready: 'new-editor' },
  { name: 'admin-audit', path: () => '/admin/audit', ready: 'token.created' },
];

for (const width of [1280, 375]) {
  test(`every screen passes axe and fits at ${width} px`, { skip }, async () => {
    const { page } = await rig.newPage({ width });
    let signedIn = false;
    const failures: string[] = [];
    for (const screen of SCREENS) {
      const wantsSession = screen.signedIn !== false;
      if (wantsSession && !signedIn) {
        await signIn(page, admin);
        signedIn = true;
      }
      if (!wantsSession && signedIn) {
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
        signedIn = false;
      }
      await page.goto(screen.path());
      await page.getByText(screen.ready).first().waitFor();
      await screen.act?.(page);
      for (const v of await seriousViolations(page)) {
        failures.push(
          `${screen.name}: ${v.impact} ${v.id} (${v.help}) at ${JSON.stringify(v.nodes.map((n) => n.target))}`,
        );
      }
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth');
      if (overflow > width) failures.push(`${screen.name}: ${overflow} px wide at ${width} px`);
      await screenshot(page, `${width}-${screen.name}`);
    }
    assert.deepEqual(failures, []);
    await rig.done(page);
  });
}
