// The `console` section: the web console in headless Chromium (Debian's /usr/bin/chromium)
// against a service of its own.
// 1. What the sign-in screen loads: its scripts as sent (compressed) and as run.
// 2. The specification editor with 1,000 items: from navigation until every page of items is
//    read and the list shows all of them (its rows in view rendered), five times.
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { call, type Row } from './drive.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

export async function consoleBench(base: string, rows: Row[], notes: string[]): Promise<void> {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    // 1. The sign-in screen's scripts.
    // The polling below evaluates strings, which the console's policy (no eval) would refuse.
    const page = await (await browser.newContext({ bypassCSP: true })).newPage();
    const scripts: { url: string; sent: number; size: number }[] = [];
    page.on('requestfinished', (request) => {
      if (request.resourceType() !== 'script') return;
      void Promise.all([request.sizes(), request.response()]).then(async ([sizes, response]) => {
        const body = await response?.body();
        scripts.push({ url: request.url(), sent: sizes.responseBodySize, size: body?.length ?? 0 });
      });
    });
    await page.goto(`${base}/sign-in`, { waitUntil: 'networkidle' });
    await page.waitForTimeout(200);
    const sent = scripts.reduce((sum, s) => sum + s.sent, 0);
    const size = scripts.reduce((sum, s) => sum + s.size, 0);
    notes.push(
      `console: the sign-in screen loads ${scripts.length} scripts, ${(sent / 1024).toFixed(1)} KB ` +
        `compressed (${(size / 1024).toFixed(1)} KB as run); budget 120 KB compressed`,
    );

    // 2. 1,000 items in the editor.
    const email = `console-${Date.now()}@bench.test`;
    const session = await post(`${base}/api/v1/auth/register`, {
      email,
      password: 'bench password 0123456789',
      name: 'Bench',
    });
    const auth = { authorization: `Bearer ${session.accessToken as string}` };
    const project = await post(`${base}/api/v1/projects`, { name: 'Editor', key: 'ED' }, auth);
    const spec = await post(
      `${base}/api/v1/projects/${project.id as string}/specifications`,
      { title: 'A thousand items' },
      auth,
    );
    const items = `${base}/api/v1/specifications/${spec.id as string}/items`;
    for (let i = 0; i < 1000; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          post(items, { title: `Requirement ${i + k + 1}` }, auth),
        ),
      );
    }
    await page.evaluate(
      `localStorage.setItem('gilla.session', ${JSON.stringify(
        JSON.stringify({ accessToken: session.accessToken, refreshToken: session.refreshToken }),
      )})`,
    );
    const times: number[] = [];
    let rendered = 0;
    for (let round = 0; round < 6; round++) {
      await page.goto(`${base}/specifications/${spec.id as string}`);
      await page.waitForFunction(
        `document.querySelector('.editor-list h2')?.textContent.includes('(1000)') &&
         !document.querySelector('.editor-list p.muted[role=status]') &&
         document.querySelectorAll('.item-row').length > 0`,
        undefined,
        { polling: 'raf', timeout: 30_000 },
      );
      const ms = await page.evaluate<number>('performance.now()');
      rendered = await page.evaluate<number>(`document.querySelectorAll('.item-row').length`);
      if (round > 0) times.push(ms); // the first warms the service's caches
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const max = times[times.length - 1]!;
    rows.push({
      name: 'console: editor, 1,000 items shown',
      rps: 0,
      p50: median,
      p99: max,
      non2xx: 0,
    });
    notes.push(
      `console: the editor shows 1,000 items in ${median.toFixed(0)} ms (median of 5, max ${max.toFixed(0)} ms) ` +
        `from navigation, ten pages of 100 read; ${rendered} rows rendered (windowed); budget 1 s`,
    );
  } finally {
    await browser.close();
  }
}
