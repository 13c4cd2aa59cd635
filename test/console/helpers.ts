import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, NO_CHROMIUM } from '../helpers/chromium.js';
import { freePort } from '../helpers/services.js';
import type { TestEnv } from '../helpers/app.js';

/**
 * Why the console's browser tests skip here, or false. Besides a missing Chromium:
 * CONSOLE_TESTS=off, which .ci/run sets for its second pass (PostgreSQL and Redis). The console
 * uses only the public API, which that pass tests in full; its browser tests run once, on the
 * first pass.
 */
export const NO_CONSOLE_TESTS: string | false =
  NO_CHROMIUM ||
  (process.env.CONSOLE_TESTS === 'off'
    ? 'CONSOLE_TESTS=off: the console was tested in the browser on the embedded pass'
    : false);

/** Screenshots of the console's screens land here (look at them after a run). */
export const SCREENSHOTS = path.resolve('test-output/screenshots');

export interface ConsoleRig {
  app: FastifyInstance;
  origin: string;
  browser: Browser;
  /**
   * A new browser profile (own storage) with a page. `withoutCsp` turns the page's content
   * security policy off, to see what the console's own defences do without it.
   */
  newPage(options?: {
    width?: number;
    withoutCsp?: boolean;
  }): Promise<{ context: BrowserContext; page: Page }>;
  /** Closes a page, failing if the console broke its policy or threw while it was open. */
  done(page: Page): Promise<void>;
  close(): Promise<void>;
}

/**
 * The service listening on localhost (its PUBLIC_URL, so passkeys and the mailed links work) and
 * a headless Chromium. The console runs under its real content security policy: a page that
 * breaks it (an inline script or style from the console itself) fails the test.
 */
export async function startConsole(
  env: TestEnv,
  overrides: Record<string, string> = {},
  port?: number,
): Promise<ConsoleRig> {
  port ??= await freePort();
  const origin = `http://localhost:${port}`;
  const app = await env.app({ PUBLIC_URL: origin, ...overrides });
  await app.listen({ host: 'localhost', port });
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  const problemsOf = new WeakMap<Page, string[]>();
  return {
    app,
    origin,
    browser,
    async newPage({ width = 1280, withoutCsp = false } = {}) {
      const context = await browser.newContext({
        viewport: { width, height: 900 },
        baseURL: origin,
        bypassCSP: withoutCsp,
      });
      contexts.push(context);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        const text = message.text();
        if (message.type() === 'error' && /Content Security Policy/i.test(text))
          problems.push(text);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      problemsOf.set(page, problems);
      return { context, page };
    },
    async done(page) {
      await page.close();
      assert.deepEqual(problemsOf.get(page), [], 'no CSP violation or page error');
    },
    async close() {
      await Promise.all(contexts.map((c) => c.close()));
      await browser.close();
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Creates an account through the console's own screen; answers with the page signed in. */
export async function signUp(
  page: Page,
  user: { name: string; email: string; password: string },
): Promise<void> {
  await page.goto('/sign-up');
  await page.getByLabel('Name').fill(user.name);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
}

export async function signIn(page: Page, user: { email: string; password: string }) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await arrived(page, 'Projects');
}

/** Waits for the page whose heading is `heading`; an error shown instead fails at once with it. */
export async function arrived(page: Page, heading: string): Promise<void> {
  const target = page.getByRole('heading', { name: heading, level: 1 });
  const alert = page.getByRole('alert');
  try {
    await target.or(alert).first().waitFor({ timeout: 10_000 });
  } catch (error) {
    await screenshot(page, `failed-${heading}`);
    throw error;
  }
  if (await alert.isVisible()) {
    await screenshot(page, `failed-${heading}`);
    throw new Error(`expected "${heading}", the page says: ${await alert.textContent()}`);
  }
}

/** The access token the console holds (to check what it did through the API). */
export async function tokenOf(page: Page): Promise<string> {
  const raw = await page.evaluate<string | null>(`localStorage.getItem('gilla.session')`);
  assert.ok(raw, 'the console keeps a session');
  return (JSON.parse(raw) as { accessToken: string }).accessToken;
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's WCAG 2.1 A/AA rules on the page as it is now; answers the serious and critical
 * violations. axe is evaluated through the DevTools protocol, which the page's CSP does not
 * govern, so the page keeps its real policy.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate<AxeViolation[]>(`
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
      .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))
  `);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
