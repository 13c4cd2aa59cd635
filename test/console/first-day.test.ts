import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { setupTestEnv } from '../helpers/app.js';
import { uniqueEmail } from '../helpers/factories.js';
import {
  NO_CONSOLE_TESTS,
  screenshot,
  seriousViolations,
  signIn,
  signUp,
  startConsole,
  tokenOf,
  type ConsoleRig,
} from './helpers.js';

// A new user's first day, in Chromium against the real service: create an account, a project,
// a specification and items; reorder by dragging and by keyboard; edit with a preview; meet a
// conflicting change and merge it; sign out and back in. Every step is checked in the API too.
const skip = NO_CONSOLE_TESTS;
const env = await setupTestEnv();
let rig: ConsoleRig;

before(async () => {
  if (!skip) rig = await startConsole(env);
});
after(async () => {
  if (!skip) await rig.close();
});

interface ApiItem {
  id: string;
  key: string;
  title: string;
  body: string;
  version: number;
}

async function itemsOf(page: Page, specificationId: string): Promise<ApiItem[]> {
  const res = await rig.app.inject({
    url: `/api/v1/specifications/${specificationId}/items?limit=100`,
    headers: { authorization: `Bearer ${await tokenOf(page)}` },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ data: ApiItem[] }>().data;
}

/** The titles of the list's rows, top to bottom. */
async function rowTitles(page: Page): Promise<string[]> {
  return page.locator('.item-row .title').allTextContents();
}

test(
  'first day: account, project, specification, items, reorder, edit, conflict, sign out and in',
  { skip },
  async () => {
    const { page } = await rig.newPage();
    const user = {
      name: 'Ada Lovelace',
      email: uniqueEmail('ada'),
      password: 'correct horse battery',
    };

    // Opening the console without a session leads to sign-in.
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    assert.match(page.url(), /\/sign-in\?next=%2F$/);
    await screenshot(page, 'sign-in');

    await signUp(page, user);
    await screenshot(page, 'projects-empty');

    // A project.
    await page.getByRole('button', { name: 'New project' }).click();
    const projectDialog = page.getByRole('dialog', { name: 'New project' });
    await projectDialog.getByLabel('Name').fill('Payments');
    await projectDialog.getByLabel('Key').fill('PAY');
    await projectDialog.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();

    // A specification.
    await page.getByRole('button', { name: 'New specification' }).click();
    const specDialog = page.getByRole('dialog', { name: 'New specification' });
    await specDialog.getByLabel('Title').fill('Requirements');
    await specDialog.getByRole('button', { name: 'Create specification' }).click();
    await page.getByRole('heading', { name: 'Requirements', level: 1 }).waitFor();
    const specificationId = new URL(page.url()).pathname.split('/').pop()!;

    // Three items, created inline: each goes after the one just made.
    await page.getByRole('button', { name: 'New item' }).click();
    for (const title of ['First', 'Second', 'Third']) {
      await page.getByLabel('Title of the new item').fill(title);
      await page.getByLabel('Title of the new item').press('Enter');
      await page.locator('.item-row', { hasText: title }).waitFor();
    }
    assert.deepEqual(await rowTitles(page), ['First', 'Second', 'Third']);
    let items = await itemsOf(page, specificationId);
    assert.deepEqual(
      items.map((i) => `${i.key} ${i.title}`),
      ['PAY-1 First', 'PAY-2 Second', 'PAY-3 Third'],
    );

    // Drag "Third" above "First".
    await page
      .locator('.item-row', { hasText: 'Third' })
      .dragTo(page.locator('.item-row', { hasText: 'First' }), { targetPosition: { x: 40, y: 5 } });
    await page.waitForFunction(
      "document.querySelector('.item-row .title')?.textContent === 'Third'",
    );
    await waitForOrder(page, specificationId, ['Third', 'First', 'Second']);
    assert.deepEqual(await rowTitles(page), ['Third', 'First', 'Second']);

    // The keyboard: Alt+ArrowDown moves "First" below "Second"; focus stays on it.
    await page.getByRole('button', { name: /PAY-1 First/ }).focus();
    await page.keyboard.press('Alt+ArrowDown');
    await waitForOrder(page, specificationId, ['Third', 'Second', 'First']);
    assert.deepEqual(await rowTitles(page), ['Third', 'Second', 'First']);
    assert.equal(
      await page.evaluate<string>(`document.activeElement?.textContent ?? ''`),
      'PAY-1Firstdraft',
      'the moved row keeps the focus',
    );

    // Edit "Second" with a Markdown preview.
    await page.getByRole('button', { name: /PAY-2 Second/ }).click();
    const panel = page.getByRole('complementary');
    await panel
      .getByLabel('Body (Markdown)')
      .fill('# Limits\n\nPayments are **capped** at 10 000.');
    await panel.getByRole('button', { name: 'Preview' }).click();
    await panel.locator('.markdown strong', { hasText: 'capped' }).waitFor();
    await panel.getByLabel('Status').selectOption('in_review');
    await screenshot(page, 'specification-editor');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByText('Saved as version 2.').waitFor();
    items = await itemsOf(page, specificationId);
    const second = items.find((i) => i.key === 'PAY-2')!;
    assert.equal(second.body, '# Limits\n\nPayments are **capped** at 10 000.');
    assert.equal(second.version, 2);

    // Someone else saves meanwhile; saving here meets the conflict dialog.
    const theirs = await rig.app.inject({
      method: 'PATCH',
      url: `/api/v1/items/${second.id}`,
      headers: { authorization: `Bearer ${await tokenOf(page)}`, 'if-match': '"2"' },
      payload: { body: 'Their wording: payments are capped at 5 000.' },
    });
    assert.equal(theirs.statusCode, 200, theirs.body);
    await panel.getByRole('button', { name: 'Write' }).click();
    await panel.getByLabel('Body (Markdown)').fill('My wording: capped at 10 000, per day.');
    await panel.getByRole('button', { name: 'Save' }).click();
    const conflict = page.getByRole('dialog', { name: 'This item was changed meanwhile' });
    await conflict.getByText('Their wording: payments are capped at 5 000.').waitFor();
    await conflict.getByText('My wording: capped at 10 000, per day.').first().waitFor();
    await screenshot(page, 'conflict-dialog');
    assert.deepEqual(await seriousViolations(page), [], 'the conflict dialog passes axe');
    await conflict
      .getByLabel('Merged body')
      .fill('Capped at 5 000 per payment and 10 000 per day.');
    await conflict.getByRole('button', { name: 'Save merged version' }).click();
    await conflict.waitFor({ state: 'hidden' });
    items = await itemsOf(page, specificationId);
    const merged = items.find((i) => i.key === 'PAY-2')!;
    assert.equal(merged.body, 'Capped at 5 000 per payment and 10 000 per day.');
    assert.equal(merged.version, 4, 'saved over their version 3, nothing lost in between');

    // The history shows every version.
    await panel.getByRole('button', { name: 'History' }).click();
    await panel.getByText('v4').waitFor();

    // Moving the open item and then saving it is no conflict: the move was this user's own.
    await page.getByRole('button', { name: /PAY-3 Third/ }).click();
    await panel.getByRole('button', { name: 'Move down' }).click();
    await waitForOrder(page, specificationId, ['Second', 'Third', 'First']);
    await panel.getByLabel('Title').fill('Third, moved');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByText(/^Saved as version/).waitFor();
    assert.equal(await page.getByRole('dialog').count(), 0, 'no conflict dialog');
    await waitForOrder(page, specificationId, ['Second', 'Third, moved', 'First']);

    // Sign out, and back in: the work is there.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    assert.equal(await page.evaluate<string | null>(`localStorage.getItem('gilla.session')`), null);
    await signIn(page, user);
    await page.getByRole('link', { name: /Payments/ }).click();
    await page.getByRole('link', { name: 'Requirements' }).click();
    await page.locator('.item-row', { hasText: 'Second' }).waitFor();
    assert.deepEqual(await rowTitles(page), ['Second', 'Third, moved', 'First']);
    await rig.done(page);
  },
);

async function waitForOrder(page: Page, specificationId: string, titles: string[]) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const now = (await itemsOf(page, specificationId)).map((i) => i.title);
    if (JSON.stringify(now) === JSON.stringify(titles)) return;
    if (Date.now() > deadline) assert.deepEqual(now, titles);
    await new Promise((r) => setTimeout(r, 100));
  }
}
