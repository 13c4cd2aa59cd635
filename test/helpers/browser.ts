import type { FastifyInstance } from 'fastify';
import { CookieJar } from 'tough-cookie';

export interface Visit {
  url: string;
  status: number;
  location: string | null;
  body: string;
}

/**
 * A browser for sign-in flows: a cookie jar, following redirects and submitting the provider's
 * login and consent forms. Requests to the app's public address go to `app.inject`; the rest
 * are real HTTP.
 */
export class TestBrowser {
  readonly jar = new CookieJar();
  /** Every page visited, in order. */
  readonly history: Visit[] = [];

  constructor(
    private readonly app: FastifyInstance,
    private readonly appOrigin = 'http://gilla.test',
  ) {}

  /** One request, no redirect followed; cookies are sent and kept. */
  async request(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<Visit> {
    const method = init.method ?? 'GET';
    const cookie = await this.jar.getCookieString(url);
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    const headers: Record<string, string> = {
      ...(cookie ? { cookie } : {}),
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    };
    let visit: Visit;
    let setCookies: string[];
    if (url.startsWith(this.appOrigin)) {
      const res = await this.app.inject({
        method: method as 'GET',
        url: url.slice(this.appOrigin.length),
        headers,
        ...(body ? { payload: body } : {}),
      });
      const raw = res.headers['set-cookie'];
      setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
      const location = res.headers.location;
      visit = {
        url,
        status: res.statusCode,
        location: typeof location === 'string' ? new URL(location, url).toString() : null,
        body: res.body,
      };
    } else {
      const res = await fetch(url, { method, headers, body, redirect: 'manual' });
      setCookies = res.headers.getSetCookie();
      const location = res.headers.get('location');
      visit = {
        url,
        status: res.status,
        location: location === null ? null : new URL(location, url).toString(),
        body: await res.text(),
      };
    }
    for (const c of setCookies) await this.jar.setCookie(c, url, { ignoreError: true });
    this.history.push(visit);
    return visit;
  }

  /** Follows redirects from `url` until a page that is not a redirect, or until `stop` says so. */
  async follow(url: string, stop: (next: string) => boolean = () => false): Promise<Visit> {
    let visit = await this.request(url);
    for (
      let hops = 0;
      visit.location !== null && visit.status >= 300 && visit.status < 400;
      hops++
    ) {
      if (hops > 20) throw new Error('too many redirects');
      if (stop(visit.location)) return visit;
      visit = await this.request(visit.location);
    }
    return visit;
  }

  /** Submits the first form on `page` with the given fields (plus its hidden ones), then follows. */
  async submit(page: Visit, fields: Record<string, string> = {}, stop?: (next: string) => boolean) {
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(page.body);
    if (!form?.[1] || form[2] === undefined)
      throw new Error(`no form on ${page.url}: ${page.body.slice(0, 200)}`);
    const hidden = Object.fromEntries(
      [...form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    const action = new URL(form[1], page.url).toString();
    let visit = await this.request(action, { method: 'POST', form: { ...hidden, ...fields } });
    if (visit.location !== null && visit.status >= 300 && visit.status < 400) {
      if (stop?.(visit.location)) return visit;
      visit = await this.follow(visit.location, stop);
    }
    return visit;
  }

  /** The first link on `page` whose text matches. */
  link(page: Visit, text: RegExp): string {
    for (const m of page.body.matchAll(/<a href="([^"]+)"[^>]*>([^<]*)<\/a>/g)) {
      if (m[1] && text.test(m[2] ?? '')) return new URL(m[1], page.url).toString();
    }
    throw new Error(`no link ${String(text)} on ${page.url}`);
  }
}

/**
 * Walks a whole browser sign-in: start at the app, sign in at the provider as `login`, consent,
 * and come back; returns the final redirect (to `redirectTo`) without following it.
 */
export async function signInThroughBrowser(
  browser: TestBrowser,
  startUrl: string,
  login: string,
  redirectOrigin: string,
): Promise<URL> {
  const leaves = (next: string) => next.startsWith(redirectOrigin);
  let page = await browser.follow(startUrl, leaves);
  for (let step = 0; page.location === null || !leaves(page.location); step++) {
    if (step > 3)
      throw new Error(`stuck at ${page.url} (${page.status}): ${page.body.slice(0, 300)}`);
    page = await browser.submit(
      page,
      page.body.includes('name="login"') ? { login, password: 'any' } : {},
      leaves,
    );
  }
  return new URL(page.location);
}
