/** The tokens of a signed-in session (the API's token response, without the user). */
export interface Tokens {
  accessToken: string;
  /** Absent for a personal access token, which does not refresh. */
  refreshToken?: string;
}

/**
 * Where the client keeps its tokens. The default keeps them in memory; a browser app can keep
 * them in storage so that a reload stays signed in, and the refresh then reads them back from
 * there, so that two tabs share one rotating session.
 */
export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

export function memoryTokenStore(initial: Tokens | null = null): TokenStore {
  let tokens = initial;
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next;
    },
  };
}

/**
 * Runs the refresh under an exclusive lock shared by everything that uses the same session,
 * e.g. `(fn) => navigator.locks.request('gilla-refresh', fn)` across a browser's tabs: a refresh
 * token works once, and a second refresh with the same one would end the session.
 */
export type RefreshLock = <T>(fn: () => Promise<T>) => Promise<T>;

const inProcess: RefreshLock = (fn) => fn();

/**
 * Sends requests with the current access token and, when one is refused with 401 while a refresh
 * token is at hand, refreshes once and sends it again. However many requests meet the 401
 * together, one refresh goes out: the others wait for it and then retry with its token.
 */
export class Session {
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly store: TokenStore,
    private readonly refreshUrl: string,
    private readonly fetchImpl: (request: Request) => Promise<Response>,
    private readonly lock: RefreshLock = inProcess,
    private readonly onEnded?: () => void,
  ) {}

  async fetch(request: Request): Promise<Response> {
    const used = this.store.get();
    // A request that brings its own Authorization is sent as it is and never retried.
    const own = request.headers.has('authorization');
    const retry = used?.refreshToken && !own ? request.clone() : null;
    const response = await this.fetchImpl(own ? request : withBearer(request, used?.accessToken));
    if (!retry || request.url === this.refreshUrl || !(await refusedToken(response))) {
      return response;
    }
    await this.refreshAfter(used);
    const now = this.store.get();
    if (!now || now.accessToken === used?.accessToken) return response;
    return this.fetchImpl(withBearer(retry, now.accessToken));
  }

  /** Refreshes unless the tokens already changed since `used` was read. */
  private refreshAfter(used: Tokens | null): Promise<void> {
    if (this.store.get()?.accessToken !== used?.accessToken) return Promise.resolve();
    this.inflight ??= this.lock(() => this.refresh(used)).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async refresh(used: Tokens | null): Promise<void> {
    // Under the lock, the store may hold what another tab or process refreshed meanwhile.
    const current = this.store.get();
    if (!current?.refreshToken || current.accessToken !== used?.accessToken) return;
    const response = await this.fetchImpl(
      new Request(this.refreshUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: current.refreshToken }),
      }),
    );
    if (response.ok) {
      const body = (await response.json()) as Tokens;
      this.store.set({ accessToken: body.accessToken, refreshToken: body.refreshToken });
    } else if (response.status === 400 || response.status === 401) {
      // The refresh token is spent, expired or revoked: the session is over.
      this.store.set(null);
      this.onEnded?.();
    }
    // Anything else (a 5xx, a 429) leaves the session as it is: the request that met the 401
    // fails with it, and the next request tries the refresh again.
  }
}

/**
 * Whether a 401 refused the access token itself (expired, revoked, malformed), which a refresh
 * can mend. Other 401s (a wrong password in the body, a wrong second-factor code) are answers
 * to the request: refreshing and sending it again would repeat the wrong password.
 */
async function refusedToken(response: Response): Promise<boolean> {
  if (response.status !== 401) return false;
  const challenge = response.headers.get('www-authenticate');
  if (challenge !== null) return /error="invalid_token"/.test(challenge);
  // A page on another origin reads the header only where CORS exposes it: the code says it too.
  try {
    const { code } = (await response.clone().json()) as { code?: unknown };
    return code === 'invalid_token' || code === 'token_expired';
  } catch {
    return false;
  }
}

function withBearer(request: Request, token: string | undefined): Request {
  if (!token) return request;
  const headers = new Headers(request.headers);
  headers.set('authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}
